"""Training data hygiene: no test text is trained on, and every clause is reachable by enough examples."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from policy_kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _training_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                lines = [line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip()]
                examples.setdefault(block["intent"], []).extend(_ANNOTATION.sub(r"\1", line) for line in lines)
    return examples


def _trained_texts() -> set[str]:
    return {"".join(text.split()) for texts in _training_examples().values() for text in texts}


def test_policy_questions_are_not_trained_on() -> None:
    """No question of any evaluation set (questions.yml, estimates.yml, clause_lookup.yml, …) is trained on."""
    trained = _trained_texts()
    overlaps = []
    for path in sorted((ROOT / "tests" / "policy_eval").glob("*.yml")):
        questions = yaml.safe_load(path.read_text(encoding="utf-8"))
        overlaps += [(path.name, q["id"]) for q in questions["questions"] if "".join(q["question"].split()) in trained]
    assert overlaps == []


def test_conversation_test_messages_are_not_trained_on() -> None:
    trained = _trained_texts()
    overlaps = []
    for path in sorted((ROOT / "tests" / "conversations").glob("test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step and "".join(step["user"].split()) in trained:
                    overlaps.append((path.name, step["user"].strip()))
    assert overlaps == []


def test_every_clause_is_reachable_by_at_least_ten_varied_examples(kb: KnowledgeBase) -> None:
    examples = _training_examples()
    for clause in kb.all_clauses():
        texts = set(examples.get(f"ask_{clause.topic}", []))
        assert len(texts) >= 10, f"{clause.label} ask_{clause.topic}: {len(texts)}"

"""The employer/agency question set and the never-stuck set: well formed, and never trained on."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from evaluation import never_stuck as never_stuck_eval
from evaluation.policy_answers import load_questions
from policy_kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
EMPLOYER_SET = ROOT / "tests" / "employer_eval" / "questions.yml"
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _trained() -> set[str]:
    texts = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in (block.get("examples") or "").splitlines():
                if line.strip():
                    texts.add("".join(_ANNOTATION.sub(r"\1", line.strip()[2:]).split()))
    return texts


def test_employer_questions_are_well_formed_and_not_trained_on(kb: KnowledgeBase) -> None:
    questions = load_questions(EMPLOYER_SET)
    assert len(questions) >= 30 and len({q.id for q in questions}) == len(questions)
    numbers = {c.number for c in kb.all_clauses()}
    assert all(q.clause is None or q.clause in numbers for q in questions)
    assert all(q.facts for q in questions)
    trained = _trained()
    assert [q.id for q in questions if "".join(q.text.split()) in trained] == []


def test_never_stuck_messages_are_well_formed_and_not_trained_on() -> None:
    today, cases = never_stuck_eval.load_cases()
    kinds = {"question", "switch", "value", "out_of_scope", "stop", "human"}
    assert len(cases) >= 30 and all(set(c.expect) <= kinds for c in cases)
    parsers = never_stuck_eval.slot_parsers(today)
    assert all(c.slot in parsers for c in cases)
    trained = _trained()
    assert [c.id for c in cases if "".join(c.message.split()) in trained] == []

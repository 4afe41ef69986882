"""``make eval``: score the assistant's policy answers against the question set, beside a BM25 baseline.

For each question the trained NLU model parses the text and the same :class:`PolicyResponder` the action
server uses composes the answer; a question whose predicted intent is handled by another action (a greeting,
say) gets no policy answer and fails. The baseline answers with the best-matching raw paragraph.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actions.clarify import clarify
from bot.facts import extract_facts
from bot.quantities import people_count
from bot.settings import PROJECT_ROOT
from policy_kb.answer import ROUTED_ELSEWHERE, PolicyResponder
from policy_kb.baseline import ParagraphBaseline
from policy_kb.loader import default_kb

QUESTIONS = PROJECT_ROOT / "tests" / "policy_eval" / "questions.yml"
MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"

Parser = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Question:
    """One evaluation question."""

    id: str
    text: str
    clause: str | None
    facts: tuple[str, ...]
    today: dt.date


@dataclass(frozen=True)
class Outcome:
    """How one system did on one question."""

    question: Question
    cited: str | None  # the clause number the answer cites, "out_of_scope" or "clarify"
    answer: str
    missing: tuple[str, ...]  # the fact patterns the answer does not match

    @property
    def all_facts(self) -> bool:
        """Whether every fact pattern matched."""
        return not self.missing

    @property
    def citation_right(self) -> bool:
        """Whether the cited clause is the expected one (``None`` for metadata questions)."""
        return self.cited == self.question.clause


@dataclass(frozen=True)
class Score:
    """Shares of questions with all facts and with the right citation."""

    facts: float
    citation: float
    outcomes: tuple[Outcome, ...]


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the question set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    default_day = data["today"]
    return [
        Question(
            id=q["id"],
            text=q["question"],
            clause=q.get("clause"),
            facts=tuple(q["facts"]),
            today=q.get("today") or default_day,
        )
        for q in data["questions"]
    ]


def check(question: Question, answer: str, cited: str | None) -> Outcome:
    """Match the question's fact patterns against ``answer``."""
    missing = tuple(f for f in question.facts if not re.search(f, answer))
    return Outcome(question=question, cited=cited, answer=answer, missing=missing)


def score(outcomes: list[Outcome]) -> Score:
    """Aggregate outcomes."""
    n = max(1, len(outcomes))
    return Score(
        facts=sum(o.all_facts for o in outcomes) / n,
        citation=sum(o.citation_right for o in outcomes) / n,
        outcomes=tuple(outcomes),
    )


async def evaluate_assistant(questions: list[Question], parse: Parser) -> Score:
    """Run every question through ``parse`` and the policy responder."""
    responder = PolicyResponder(default_kb(), count_people=people_count, extract_facts=extract_facts)
    outcomes = []
    for q in questions:
        parsed = await parse(q.text)
        intent = (parsed.get("intent") or {}).get("name")
        if intent in ROUTED_ELSEWHERE:
            outcomes.append(check(q, "", None))
            continue
        outcomes.append(check(q, *policy_reply(responder, parsed, q.today)))
    return score(outcomes)


def policy_reply(responder: PolicyResponder, parsed: dict[str, Any], today: dt.date) -> tuple[str, str | None]:
    """The policy answer to a parsed message and the clause it cites, the way the dialogue answers it.

    The cited clause is ``"out_of_scope"`` for an out-of-scope answer, and ``"clarify"`` (with no text to score)
    when the assistant asks which clause was meant.
    """
    if (parsed.get("intent") or {}).get("name") == "nlu_fallback":
        result = clarify(responder, parsed, today)
        if result.answer is None:
            return "", "clarify"
        reply = result.answer
    else:
        reply = responder.respond_to_parse(parsed, today)
    if reply.kind == "out_of_scope":
        return reply.text, "out_of_scope"
    return reply.text, reply.clause.number if reply.clause else None


def evaluate_baseline(questions: list[Question]) -> Score:
    """Run every question through the raw-paragraph baseline."""
    baseline = ParagraphBaseline(default_kb())
    outcomes = []
    for q in questions:
        paragraph = baseline.answer(q.text)
        text = paragraph.text if paragraph else ""
        cited = paragraph.clause.number if paragraph and paragraph.clause else None
        outcomes.append(check(q, text, cited))
    return score(outcomes)


async def rasa_parser(model: Path = MODEL) -> Parser:
    """A parser backed by the trained Rasa model."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return agent.parse_message


def report(assistant: Score, baseline: Score, source: Path = QUESTIONS) -> str:
    """The table ``make eval`` prints."""
    n = len(assistant.outcomes)
    try:
        shown = source.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        shown = source
    lines = [
        f"政策问答评测（{n} 个问题，{shown}）",
        "| 系统 | 事实全部正确 | 引用条款正确 |",
        "|---|---|---|",
        f"| 就业帮扶助手 | {assistant.facts:.1%} | {assistant.citation:.1%} |",
        f"| 基线：BM25 原文段落 | {baseline.facts:.1%} | {baseline.citation:.1%} |",
    ]
    failures = [o for o in assistant.outcomes if not (o.all_facts and o.citation_right)]
    if failures:
        lines.append("助手未通过的问题：")
        for o in failures:
            expected = f"期望 {o.question.clause} 引用 {o.cited}"
            lines.append(f"  {o.question.id} {o.question.text} | {expected} | 缺少 {list(o.missing)}")
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    questions = load_questions(Path(args.questions))
    parse = await rasa_parser(Path(args.model))
    assistant = await evaluate_assistant(questions, parse)
    baseline = evaluate_baseline(questions)
    print(report(assistant, baseline, Path(args.questions)))
    if assistant.facts < args.min_share:
        print(f"失败：助手事实正确率 {assistant.facts:.1%} 低于 {args.min_share:.0%}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of ``python -m evaluation.policy_answers``."""
    parser = argparse.ArgumentParser(description="政策问答评测")
    parser.add_argument("--questions", default=str(QUESTIONS))
    parser.add_argument("--model", default=str(MODEL))
    parser.add_argument("--min-share", type=float, default=0.90)
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

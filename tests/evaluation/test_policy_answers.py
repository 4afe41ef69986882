"""The policy answer evaluation on the real trained model: the CI gate of `make eval`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evaluation.policy_answers import (
    Question,
    check,
    evaluate_assistant,
    evaluate_baseline,
    load_questions,
    rasa_parser,
)

MIN_SHARE = 0.90


async def test_assistant_meets_the_bar_and_beats_the_baseline(trained_model: Path) -> None:
    questions = load_questions()
    assert len(questions) >= 80
    parse = await rasa_parser(trained_model)
    assistant = await evaluate_assistant(questions, parse)
    baseline = evaluate_baseline(questions)
    failures = [(o.question.id, o.cited, o.missing) for o in assistant.outcomes if not o.all_facts]
    assert assistant.facts >= MIN_SHARE, failures
    assert assistant.facts > baseline.facts
    assert assistant.citation > baseline.citation


def test_fact_patterns_are_all_required() -> None:
    question = Question("x", "?", "七", (r"1\s*年", "劳务协议"), dt.date(2026, 11, 28))
    assert check(question, "每次不超过1年，签劳务协议", "七").all_facts
    partial = check(question, "每次不超过1年", "七")
    assert not partial.all_facts and partial.missing == ("劳务协议",)
    assert not check(question, "每次不超过1年，签劳务协议", "八").citation_right

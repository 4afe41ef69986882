"""The answer-fit evaluation sets on the real trained model: each at least 95 %, and answers fit one message."""

from __future__ import annotations

from pathlib import Path

from evaluation.answer_sets import SET_DIR, SETS, evaluate_sets, report
from evaluation.policy_answers import load_questions, rasa_parser
from policy_kb.reply import MAX_MESSAGE_CHARS

MIN_SHARE = 0.95
MAX_LONG_SHARE = 0.05


def test_sets_exist_with_enough_questions() -> None:
    for name in SETS:
        assert len(load_questions(SET_DIR / f"{name}.yml")) >= 15, name


async def test_each_set_meets_the_bar(trained_model: Path) -> None:
    parse = await rasa_parser(trained_model)
    scores, policy = await evaluate_sets(parse, list(SETS))
    text = report(scores, policy)
    assert all(score.share >= MIN_SHARE for score in scores), text
    answered = [o for s in scores for o in s.outcomes if o.answer] + [o for o in policy if o.answer]
    long = [o for o in answered if len(o.answer) > MAX_MESSAGE_CHARS]
    assert len(long) <= MAX_LONG_SHARE * len(answered), text

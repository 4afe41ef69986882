"""``make eval``: what forms do with messages that are not plain answers (tests/never_stuck/messages.yml).

Each message is parsed by the trained model and routed by the same function the forms use
(:func:`actions.never_stuck.route`): answered as a question, taken as the answer, a switch to another
service, out of scope, or left to the 算了 / 转人工 rules. The share routed as expected is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actions.never_stuck import route
from bot import validation
from bot.quantities import people_count
from bot.settings import PROJECT_ROOT
from evaluation.policy_answers import MODEL, rasa_parser
from policy_kb.answer import PolicyResponder
from policy_kb.loader import default_kb

MESSAGES = PROJECT_ROOT / "tests" / "never_stuck" / "messages.yml"
# Intents whose rules run before any form validation (the slot mappings exclude them).
RULE_INTENTS = {"stop": "stop", "request_human": "human"}


def slot_parsers(today: dt.date) -> dict[str, Callable[[str], Any]]:
    """How each form reads the answer to each question (as in actions/)."""

    def free(text: str) -> str:
        return validation.validate_free_text(text, what="回答", example="电工")

    return {
        "id_number": lambda text: validation.validate_id_number(text, today),
        "subsidy_person": lambda text: validation.validate_id_number(text, today),
        "phone_check": validation.validate_phone_or_last4,
        "org_phone": validation.validate_phone_or_last4,
        "credit_code": validation.validate_credit_code,
        "person_name": validation.validate_name,
        "county": validation.validate_linyi_county,
        "course": free,
        "destination": free,
        "work_wanted": free,
        "departure_date": lambda text: validation.parse_departure_date(text, today),
    }


@dataclass(frozen=True)
class Case:
    """One message inside a form."""

    id: str
    form: str
    slot: str
    message: str
    expect: tuple[str, ...]


def load_cases(path: Path = MESSAGES) -> tuple[dt.date, list[Case]]:
    """The day the set is judged on and its messages."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [Case(m["id"], m["form"], m["slot"], str(m["message"]), tuple(m["expect"])) for m in data["messages"]]
    return data["today"], cases


def routed(responder: PolicyResponder, parse: dict[str, Any], case: Case, today: dt.date) -> str:
    """What the assistant does with ``case`` given the model's ``parse``."""
    intent = (parse.get("intent") or {}).get("name")
    if intent in RULE_INTENTS:
        return RULE_INTENTS[intent]
    try:
        slot_parsers(today)[case.slot](case.message)
        value_ok = True
    except validation.ValidationError:
        value_ok = False
    kind, _ = route(responder, parse, case.form, case.slot, value_ok)
    return kind


async def evaluate(path: Path, model: Path) -> tuple[float, list[tuple[Case, str]]]:
    """Share of messages routed as expected, and every (case, outcome)."""
    today, cases = load_cases(path)
    parse = await rasa_parser(model)
    responder = PolicyResponder(default_kb(), count_people=people_count)
    outcomes = [(case, routed(responder, await parse(case.message), case, today)) for case in cases]
    share = sum(outcome in case.expect for case, outcome in outcomes) / max(1, len(outcomes))
    return share, outcomes


def report(share: float, outcomes: list[tuple[Case, str]]) -> str:
    """The lines ``make eval`` prints."""
    lines = [f"表单中的其他请求（{len(outcomes)} 条，tests/never_stuck/messages.yml）：处理正确 {share:.1%}"]
    for case, outcome in outcomes:
        if outcome not in case.expect:
            lines.append(
                f"  {case.id} [{case.form}/{case.slot}] {case.message} | 期望 {list(case.expect)} 实际 {outcome}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of ``python -m evaluation.never_stuck``."""
    parser = argparse.ArgumentParser(description="表单中的其他请求评测")
    parser.add_argument("--messages", default=str(MESSAGES))
    parser.add_argument("--model", default=str(MODEL))
    parser.add_argument("--min-share", type=float, default=0.0)
    args = parser.parse_args(argv)
    share, outcomes = asyncio.run(evaluate(Path(args.messages), Path(args.model)))
    print(report(share, outcomes))
    if share < args.min_share:
        print(f"失败：处理正确 {share:.1%} 低于 {args.min_share:.0%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

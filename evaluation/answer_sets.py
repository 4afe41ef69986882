"""``make eval`` sets for answers that fit the asker: estimates with stated exclusions, clause lookups, multi-part
and long messages, and facts applied to a clause's conditions.

Each set lives in ``tests/policy_eval/<set>.yml`` (same format as ``questions.yml``). A question is parsed by the
trained model and answered the way the dialogue would: a policy intent by the policy responder, ``estimate_subsidy``
by the estimate form (which answers at once when the message carries every fact it needs, and otherwise asks, which
then scores as a failure), a low-confidence parse by the clarification. The report also gives the share of answers
longer than one WeChat-sized message (300 characters) across these sets and the policy question set.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.employer import estimate_text, subsidy_kind_of
from bot.domain_responses import response_text
from bot.facts import extract_facts
from bot.quantities import people_count
from bot.settings import PROJECT_ROOT
from evaluation.policy_answers import (
    MODEL,
    QUESTIONS,
    ROUTED_ELSEWHERE,
    Outcome,
    Parser,
    Question,
    check,
    load_questions,
    policy_reply,
)
from policy_kb.answer import PolicyResponder
from policy_kb.loader import default_kb
from policy_kb.reply import MAX_MESSAGE_CHARS

SETS: dict[str, str] = {
    "estimates": "补贴测算（说明了不计入的人）",
    "clause_lookup": "按条款序号或名称查条文",
    "multipart": "长消息、多问题、口语和语音噪声",
    "applied": "按所述情况判断是否符合",
}
SET_DIR = PROJECT_ROOT / "tests" / "policy_eval"
DOMAIN = PROJECT_ROOT / "domain.yml"
# Intents that start a form asking for an ID number: no answer to the question in this turn.
FORM_INTENTS = {"register_job_seeking", "sign_up_transport", "check_status", "check_eligibility", "lookup_employer"}
NOT_ANSWERED = {*ROUTED_ELSEWHERE, "chitchat", "ask_bot_identity", *FORM_INTENTS}


@dataclass(frozen=True)
class SetScore:
    """How the assistant did on one set."""

    name: str
    outcomes: tuple[Outcome, ...]

    @property
    def share(self) -> float:
        """Share of questions with every fact and the right citation."""
        n = max(1, len(self.outcomes))
        return sum(o.all_facts and o.citation_right for o in self.outcomes) / n


def form_question(slot: str) -> str:
    """What the form says to ask for ``slot`` (``utter_ask_<slot>`` of the domain)."""
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return responses[f"utter_ask_{slot}"][0]["text"]


def estimate_form_reply(text: str, on) -> tuple[str, str | None]:
    """What the estimate form says after the message that started it: the estimate, or its first question."""
    kb = default_kb()
    kind = subsidy_kind_of(text)
    if not kind:
        return response_text("utter_ask_subsidy_kind"), None
    clause = kb.clause_for_topic(kind, on)
    if clause is None or clause.benefit is None:
        return response_text("utter_ask_subsidy_kind"), None
    facts = extract_facts(text)
    people = facts.total or people_count(text)
    if not people:
        return response_text("utter_ask_people_count"), clause.number
    months = facts.months_worked
    if clause.benefit.basis == "per_person_month" and not months:  # action_ask_estimate_form_subsidy_months
        return estimate_text(kb, clause, [text], people, None, on), clause.number
    return estimate_text(kb, clause, [text], people, months, on), clause.number


async def answer(question: Question, parse: Parser, responder: PolicyResponder) -> Outcome:
    """Parse and answer one question the way the dialogue would."""
    parsed = await parse(question.text)
    intent = (parsed.get("intent") or {}).get("name")
    if intent in NOT_ANSWERED:
        return check(question, "", None)
    if intent == "estimate_subsidy":
        text, cited = estimate_form_reply(question.text, question.today)
        return check(question, text, cited)
    return check(question, *policy_reply(responder, parsed, question.today))


async def evaluate_sets(parse: Parser, names: list[str]) -> tuple[list[SetScore], list[Outcome]]:
    """Score each named set; also answer the policy question set for the length figure."""
    responder = PolicyResponder(default_kb(), count_people=people_count, extract_facts=extract_facts)
    scores = []
    for name in names:
        questions = load_questions(SET_DIR / f"{name}.yml")
        scores.append(SetScore(name, tuple([await answer(q, parse, responder) for q in questions])))
    policy = [await answer(q, parse, responder) for q in load_questions(QUESTIONS)]
    return scores, policy


def report(scores: list[SetScore], policy: list[Outcome]) -> str:
    """The table ``make eval`` prints, with the failures and the length figure."""
    lines = ["贴合提问的回答（tests/policy_eval/ 各集）", "| 评测集 | 问题数 | 全部事实且条款正确 |", "|---|---|---|"]
    for score in scores:
        lines.append(f"| {SETS[score.name]}（{score.name}） | {len(score.outcomes)} | {score.share:.1%} |")
    answered = [o for s in scores for o in s.outcomes if o.answer] + [o for o in policy if o.answer]
    long = [o for o in answered if len(o.answer) > MAX_MESSAGE_CHARS]
    share = len(long) / max(1, len(answered))
    lines.append(f"超过 {MAX_MESSAGE_CHARS} 字的回答：{len(long)}/{len(answered)}（{share:.1%}）")
    for score in scores:
        for o in score.outcomes:
            if not (o.all_facts and o.citation_right):
                lines.append(
                    f"  未通过 {o.question.id} {o.question.text} | 期望 {o.question.clause} 引用 {o.cited}"
                    f" | 缺少 {list(o.missing)}"
                )
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    from evaluation.policy_answers import rasa_parser

    parse = await rasa_parser(Path(args.model))
    scores, policy = await evaluate_sets(parse, args.sets)
    print(report(scores, policy))
    failing = [s for s in scores if s.share < args.min_share]
    for s in failing:
        print(f"失败：{SETS[s.name]} {s.share:.1%} 低于 {args.min_share:.0%}", file=sys.stderr)
    return 1 if failing else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of ``python -m evaluation.answer_sets``."""
    parser = argparse.ArgumentParser(description="贴合提问的回答：评测集")
    parser.add_argument("--model", default=str(MODEL))
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--min-share", type=float, default=0.95)
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

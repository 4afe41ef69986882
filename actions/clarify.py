"""Low-confidence messages (``nlu_fallback``): answer a clear match, else ask which was meant, else a person.

1. A clear full-text match in the knowledge base is answered (see ``PolicyResponder.respond_to_parse``).
2. Otherwise up to three likely meanings are offered as buttons.
3. A second fallback in a row offers a person (the hotline and a handoff request).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.handoff import ActionOfferHuman
from actions.named import Named
from policy_kb.answer import PolicyResponder
from policy_kb.reply import Answer

MAX_CHOICES = 3
# About 1.5 times what each intent gets when the classifier has no idea at all (1 / 44 intents).
MIN_CHOICE_CONFIDENCE = 0.035
# What the non-policy intents mean, as a button title.
SERVICE_LABELS: dict[str, str] = {
    "register_job_seeking": "求职登记",
    "sign_up_transport": "报名“点对点”专车",
    "check_status": "查询办理进度",
    "check_eligibility": "我能享受哪些政策",
    "estimate_subsidy": "单位补贴测算",
    "lookup_employer": "查询单位备案信息",
    "ask_employer_overview": "单位能享受哪些政策",
    "apply_subsidy": "单位申请补贴",
    "enrol_training": "报名技能培训",
    "cancel_request": "撤销报名或申请",
    "change_request": "修改“点对点”出发日期",
    "ask_contact": "联系单位和咨询电话",
    "ask_validity": "政策有效期",
    "ask_responsibility": "部门分工",
}


@dataclass(frozen=True)
class Clarification:
    """What to say to an unsure message: an answer, or a question with buttons."""

    answer: Answer | None = None
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)


def choice_label(responder: PolicyResponder, intent: str, on: dt.date) -> str | None:
    """A button title for ``intent``, or ``None`` when it is not worth offering."""
    topic = responder.topic_of_intent(intent)
    if topic:
        clause = responder.kb.clause_for_topic(topic, on)
        if clause is not None:
            return clause.benefit.name if clause.benefit else clause.title
    return SERVICE_LABELS.get(intent)


def clarify(responder: PolicyResponder, parse: dict[str, Any], on: dt.date) -> Clarification:
    """Decide how to handle an ``nlu_fallback`` parse."""
    answer = responder.respond_to_parse(parse, on)
    if answer.kind != "clarify":
        return Clarification(answer=answer)
    buttons: list[dict[str, str]] = []
    for ranked in answer.extras.get("ranking", ()):
        if float(ranked.get("confidence") or 0) < MIN_CHOICE_CONFIDENCE:
            continue
        label = choice_label(responder, ranked.get("name") or "", on)
        if label and all(b["title"] != label for b in buttons):
            buttons.append({"title": label, "payload": f"/{ranked['name']}"})
        if len(buttons) == MAX_CHOICES:
            break
    if len(buttons) >= 2:
        return Clarification(buttons=tuple(buttons))
    # Nothing sensible to choose between: the search (or the statement of scope) answers.
    return Clarification(answer=responder.respond(parse.get("text") or "", None, 0.0, on))


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionClarify(Named, Action):
    """Handles ``nlu_fallback``."""

    action_name = "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Answer, ask which was meant, or offer a person."""
        result = await asyncio.to_thread(
            clarify, services.policy_responder(), tracker.latest_message or {}, services.today()
        )
        answered = result.answer is not None and result.answer.kind not in ("out_of_scope",)
        if not answered and previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(response="utter_still_not_understood")
            return await ActionOfferHuman().run(dispatcher, tracker, domain)
        if result.buttons:
            dispatcher.utter_message(response="utter_which_did_you_mean", buttons=list(result.buttons))
            return []
        answer = result.answer
        if answer is None:  # neither an answer nor buttons: clarify() always gives one of them
            return []
        dispatcher.utter_message(text=answer.text)
        return [SlotSet("last_clause", answer.clause_ref)] if answer.clause_ref else []

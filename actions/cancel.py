"""Cancelling a 点对点 request or a registration from the chat: verified owner, confirmation, store updated.

"我想取消点对点报名" used to get "好的" and the trip stayed. Now the person proves who they are (ID number and the
phone on record), is shown the one open item the request is about, confirms, and the case system's status is
set to 已取消; the reply gives the reference. Nothing is cancelled without the "是".
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.forms import clear_form_slots, confirmation, latest_text
from actions.identity import IdentityFormValidation, verified_items
from actions.named import Named
from bot.cases.errors import CaseStoreError
from bot.cases.records import StatusItem
from bot.replies import status_line
from policy_kb.vocabulary import CLOSED_STATUSES, ITEM_KIND_LABELS

CONFIRM_QUESTION = "确认取消吗？请回复“是”或“不”。"
# Which kind of item a cancellation is about, by the words people use; 点对点 first (it is the usual one).
CANCEL_KINDS: tuple[tuple[str, str], ...] = (
    ("transport_request", r"点对点|专车|专列|坐车|出行|包车|车"),
    ("training_enrolment", r"培训"),
    ("registration", r"登记|找工作|求职"),
)


def cancel_kind_of(text: str) -> str | None:
    """``transport_request`` / ``training_enrolment`` / ``registration`` from the request's words, or ``None``."""
    for kind, pattern in CANCEL_KINDS:
        if re.search(pattern, text or ""):
            return kind
    return None


def open_item(items: list[StatusItem], kind: str | None) -> StatusItem | None:
    """The newest item of ``kind`` (any cancellable kind when ``None``) that is not closed yet."""
    kinds = [kind] if kind else [k for k, _ in CANCEL_KINDS]
    candidates = [i for i in items if i.kind in kinds and i.status not in CLOSED_STATUSES]
    return candidates[-1] if candidates else None


class ValidateCancelForm(Named, IdentityFormValidation):
    """Identity, then the confirmation."""

    purpose = "取消报名或登记"

    action_name = "validate_cancel_form"

    async def extract_cancel_kind(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """What is to be cancelled, read from the message that started the form."""
        if tracker.get_slot("cancel_kind"):
            return {}
        kind = cancel_kind_of(latest_text(tracker))
        return {"cancel_kind": kind} if kind else {}

    async def validate_cancel_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """是 / 不 to the item shown."""
        return confirmation("cancel_confirmed", value, CONFIRM_QUESTION, dispatcher)


class ActionAskCancelConfirmed(Named, Action):
    """Shows the open item the cancellation is about and asks to confirm; says so when there is none."""

    action_name = "action_ask_cancel_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Find the item (verified owner only) and ask."""
        items = await verified_items(dispatcher, tracker, "取消报名或登记")
        if items is None:
            return [SlotSet("cancel_confirmed", False)]
        kind = tracker.get_slot("cancel_kind")
        item = open_item(items, kind)
        if item is None:
            what = ITEM_KIND_LABELS.get(kind, "报名或登记") if kind else "报名或登记"
            dispatcher.utter_message(text=f"没有找到您名下还在办理中的{what}，不需要取消。")
            return [SlotSet("cancel_confirmed", False), SlotSet("cancel_reference", None)]
        dispatcher.utter_message(text=f"要取消的是：{status_line(item)}。{CONFIRM_QUESTION}")
        return [SlotSet("cancel_reference", item.reference)]


class ActionSubmitCancel(Named, Action):
    """Sets the confirmed item's status to 已取消 in the case system."""

    action_name = "action_submit_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Cancel (after 是) or keep (after 不)."""
        reference = tracker.get_slot("cancel_reference")
        reset = [*clear_form_slots(), SlotSet("cancel_reference", None), SlotSet("cancel_kind", None)]
        if not reference or not tracker.get_slot("verified_id_number"):
            return reset
        if tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(text=f"好的，没有取消，{reference} 保持不变。")
            return reset
        try:
            item = await asyncio.to_thread(services.case_store().set_status, reference, "cancelled")
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return reset
        dispatcher.utter_message(text=f"已取消：{item.kind_label} {item.reference}。需要时可以重新报名或登记。")
        return reset

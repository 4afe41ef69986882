"""Where is my application (办理进度) and what am I entitled to (我能享受哪些政策), for verified owners only."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.identity import IdentityFormValidation, channel_of, ensure_verified
from bot.cases.errors import CaseStoreError, IdentityLocked, IdentityNotProven
from policy_kb.eligibility import evaluate_person, format_findings


class ValidateStatusForm(IdentityFormValidation):
    """Identity check before the status lookup."""

    purpose = "查询办理进度"

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_status_form"


class ValidateEligibilityForm(IdentityFormValidation):
    """Identity check before the personal eligibility check."""

    purpose = "查询可享受的政策"

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_eligibility_form"


def _reset() -> list[EventType]:
    return [SlotSet("id_number", None), SlotSet("phone_check", None)]


def _failed(dispatcher: CollectingDispatcher, error: CaseStoreError) -> list[EventType]:
    """Say why nothing is shown; a proof the server no longer honours is dropped from the conversation too."""
    dispatcher.utter_message(text=error.user_message)
    if isinstance(error, (IdentityNotProven, IdentityLocked)):
        return [*_reset(), SlotSet("verified_id_number", None)]
    return _reset()


class ActionShowStatus(Action):
    """Lists the verified person's registration, requests and applications."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_show_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Show the status items."""
        id_number = await ensure_verified(dispatcher, tracker)
        if not id_number:
            return _reset()
        access = services.access_for(tracker.sender_id, channel_of(tracker), "查询办理进度")
        try:
            items = await asyncio.to_thread(services.case_store().get_status, id_number, access=access)
        except CaseStoreError as error:
            return _failed(dispatcher, error)
        if not items:
            dispatcher.utter_message(text="核对成功。您目前没有正在办理的登记或申请。想登记找工作可以说“求职登记”。")
        else:
            lines = ["核对成功，您的办理情况："] + [f"{i}. {item.describe()}" for i, item in enumerate(items, 1)]
            dispatcher.utter_message(text="\n".join(lines))
        return _reset()


class ActionShowEligibility(Action):
    """Evaluates every clause for the verified person on today's date."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_show_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the findings."""
        id_number = await ensure_verified(dispatcher, tracker)
        if not id_number:
            return _reset()
        access = services.access_for(tracker.sender_id, channel_of(tracker), "查询可享受的政策")
        try:
            person = await asyncio.to_thread(services.case_store().find_person, id_number, access=access)
        except CaseStoreError as error:
            return _failed(dispatcher, error)
        if person is None:
            dispatcher.utter_message(text="没有找到您的档案，请先办理求职登记。")
            return _reset()
        kb = services.knowledge_base()
        findings = evaluate_person(kb, person, services.today())
        dispatcher.utter_message(text=format_findings(findings, kb.hotline))
        return _reset()

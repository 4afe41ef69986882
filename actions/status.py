"""Where is my application (办理进度) and what am I entitled to (我能享受哪些政策), for verified owners only."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import CaseSystemAction
from actions.identity import IdentityFormValidation, ensure_verified
from bot.cases.errors import CaseStoreError, IdentityLocked, IdentityNotProven
from bot.replies import numbered_status_lines
from policy_kb.eligibility_summary import summarize_person


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


def _after_failure(error: CaseStoreError) -> list[EventType]:
    """The identity check's answers are forgotten; a proof the server no longer honours is dropped too."""
    if isinstance(error, (IdentityNotProven, IdentityLocked)):
        return [*_reset(), SlotSet("verified_id_number", None)]
    return _reset()


class ActionShowStatus(CaseSystemAction):
    """Lists the verified person's registration, requests and applications."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_show_status"

    def events_after_failure(self, tracker: Tracker, error: CaseStoreError) -> list[EventType]:
        """See :func:`_after_failure`."""
        return _after_failure(error)

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Show the status items."""
        id_number = await ensure_verified(dispatcher, tracker)
        if not id_number:
            return _reset()
        access = services.access_for(tracker, "查询办理进度")
        items = await asyncio.to_thread(services.case_store().get_status, id_number, access=access)
        if not items:
            dispatcher.utter_message(response="utter_nothing_in_progress")
        else:
            lines = ["核对成功，您的办理情况：", *numbered_status_lines(items)]
            dispatcher.utter_message(text="\n".join(lines))
        return _reset()


class ActionShowEligibility(CaseSystemAction):
    """Evaluates every clause for the verified person on today's date."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_show_eligibility"

    def events_after_failure(self, tracker: Tracker, error: CaseStoreError) -> list[EventType]:
        """See :func:`_after_failure`."""
        return _after_failure(error)

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the findings."""
        id_number = await ensure_verified(dispatcher, tracker)
        if not id_number:
            return _reset()
        access = services.access_for(tracker, "查询可享受的政策")
        person = await asyncio.to_thread(services.case_store().find_person, id_number, access=access)
        if person is None:
            dispatcher.utter_message(response="utter_no_record_register_first")
            return _reset()
        kb = services.knowledge_base()
        dispatcher.utter_message(text=summarize_person(kb, person, services.today()))
        return _reset()

"""Where is my application (办理进度) and what am I entitled to (我能享受哪些政策), for verified owners only."""

from __future__ import annotations

import abc
import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import CaseSystemAction
from actions.identity import IdentityFormValidation, ensure_verified
from actions.named import Named
from bot.cases.errors import CaseStoreError, IdentityLocked, IdentityNotProven
from bot.cases.records import AccessContext
from bot.replies import numbered_status_lines
from policy_kb.eligibility_summary import summarize_person


class ValidateStatusForm(Named, IdentityFormValidation):
    """Identity check before the status lookup."""

    purpose = "查询办理进度"

    action_name = "validate_status_form"


class ValidateEligibilityForm(Named, IdentityFormValidation):
    """Identity check before the personal eligibility check."""

    purpose = "查询可享受的政策"

    action_name = "validate_eligibility_form"


def _reset() -> list[EventType]:
    return [SlotSet("id_number", None), SlotSet("phone_check", None)]


def _after_failure(error: CaseStoreError) -> list[EventType]:
    """The identity check's answers are forgotten; a proof the server no longer honours is dropped too."""
    if isinstance(error, (IdentityNotProven, IdentityLocked)):
        return [*_reset(), SlotSet("verified_id_number", None)]
    return _reset()


class _VerifiedOwnerAction(Named, CaseSystemAction):
    """An answer about the verified person's own record; the identity answers are forgotten afterwards."""

    purpose = ""

    def events_after_failure(self, tracker: Tracker, error: CaseStoreError) -> list[EventType]:
        """See :func:`_after_failure`."""
        return _after_failure(error)

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Answer for the verified owner (nothing when the identity is not verified)."""
        id_number = await ensure_verified(dispatcher, tracker)
        if id_number:
            await self.answer(dispatcher, id_number, services.access_for(tracker, self.purpose))
        return _reset()

    @abc.abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, id_number: str, access: AccessContext) -> None:
        """Say what the owner asked about their record."""


class ActionShowStatus(_VerifiedOwnerAction):
    """Lists the verified person's registration, requests and applications."""

    purpose = "查询办理进度"
    action_name = "action_show_status"

    async def answer(self, dispatcher: CollectingDispatcher, id_number: str, access: AccessContext) -> None:
        """Show the status items."""
        items = await asyncio.to_thread(services.case_store().get_status, id_number, access=access)
        if not items:
            dispatcher.utter_message(response="utter_nothing_in_progress")
        else:
            lines = ["核对成功，您的办理情况：", *numbered_status_lines(items)]
            dispatcher.utter_message(text="\n".join(lines))


class ActionShowEligibility(_VerifiedOwnerAction):
    """Evaluates every clause for the verified person on today's date."""

    purpose = "查询可享受的政策"
    action_name = "action_show_eligibility"

    async def answer(self, dispatcher: CollectingDispatcher, id_number: str, access: AccessContext) -> None:
        """Say the findings."""
        person = await asyncio.to_thread(services.case_store().find_person, id_number, access=access)
        if person is None:
            dispatcher.utter_message(response="utter_no_record_register_first")
            return
        dispatcher.utter_message(text=summarize_person(services.knowledge_base(), person, services.today()))

"""What every form of the assistant shares: re-asking on bad input, policy questions mid-form, stopping."""

from __future__ import annotations

import abc
import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot.validation import ValidationError

# Every slot a form fills; stopping a form clears them (the verified identity is kept for the conversation).
FORM_SLOTS = (
    "id_number",
    "phone",
    "phone_check",
    "person_name",
    "county",
    "person_category",
    "work_wanted",
    "work_location",
    "needs_transport",
    "wants_training",
    "registration_confirmed",
    "destination",
    "departure_date",
    "party_size",
    "credit_code",
    "org_phone",
    "subsidy_kind",
    "people_count",
    "subsidy_months",
)
# A policy question inside a form is answered only when the NLU is this sure of it *and* the knowledge base
# finds the clause, so that a name or a place is never mistaken for a question.
MID_FORM_QUESTION_CONFIDENCE = 0.85


def clear_form_slots() -> list[EventType]:
    """Events that empty every form slot."""
    return [SlotSet(name, None) for name in FORM_SLOTS]


def latest_text(tracker: Tracker) -> str:
    """The user's latest message text."""
    return (tracker.latest_message or {}).get("text") or ""


class AssistantFormValidation(FormValidationAction):
    """Base class of the project's form validations (abstract: rasa-sdk does not register it)."""

    @abc.abstractmethod
    def name(self) -> str:
        """Subclasses name their form's validation action (``validate_<form>``)."""

    async def answer_mid_form_question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """If the latest message is a confident policy question, answer it and return True."""
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        responder = services.policy_responder()
        if float(intent.get("confidence") or 0) < MID_FORM_QUESTION_CONFIDENCE:
            return False
        if not await asyncio.to_thread(responder.answers_mid_form, intent.get("name"), latest_text(tracker)):
            return False
        answer = await asyncio.to_thread(responder.respond_to_parse, message, services.today())
        dispatcher.utter_message(text=answer.text + "\n——我们接着办理刚才的事。")
        return True

    async def validated(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        parse,
    ) -> dict[str, Any]:
        """Run ``parse(value)``; on failure answer a mid-form question or say what to send instead."""
        if await self.answer_mid_form_question(dispatcher, tracker):
            return {slot: None}
        try:
            return {slot: await asyncio.to_thread(parse, "" if value is None else str(value))}
        except ValidationError as error:
            dispatcher.utter_message(text=error.message)
            return {slot: None}


class ActionStopForm(Action):
    """The user said 算了 / 不办了: nothing is saved and the form's answers are forgotten."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Confirm the stop and clear the slots."""
        dispatcher.utter_message(response="utter_form_stopped")
        return clear_form_slots()

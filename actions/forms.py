"""What every form of the assistant shares: re-asking on bad input, policy questions mid-form, stopping."""

from __future__ import annotations

import abc
import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.named import Named
from actions.never_stuck import (
    MAX_INVALID,
    SWITCH_MARKER,
    WAYS_OUT_BUTTONS,
    invalid_count,
    is_policy_question,
    route,
    ways_out,
)
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
    "departure_date_pending",
    "party_size",
    "credit_code",
    "org_phone",
    "subsidy_kind",
    "people_count",
    "subsidy_months",
    "course",
    "training_confirmed",
    "subsidy_person",
    "subsidy_confirmed",
    "invalid_answers",
)


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
        responder = services.policy_responder()
        if not await asyncio.to_thread(is_policy_question, responder, message):
            return False
        answer = await asyncio.to_thread(responder.respond_to_parse, message, services.today())
        dispatcher.utter_message(text=answer.text + "\n——我们接着办理刚才的事。")
        return True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Validate as usual; a switch to another service asked for during validation ends this form for it."""
        events = await super().run(dispatcher, tracker, domain)
        switch = next((e for e in events if e.get("event") == "slot" and e.get("name") == SWITCH_MARKER), None)
        if switch is None or not switch.get("value"):
            return events
        kept = [e for e in events if not (e.get("event") == "slot" and e.get("name") == SWITCH_MARKER)]
        cleared = {name for name in FORM_SLOTS}
        kept = [e for e in kept if not (e.get("event") == "slot" and e.get("name") in cleared)]
        return [*kept, *clear_form_slots(), SlotSet("requested_slot", None), FollowupAction(switch["value"])]

    async def validated(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        parse,
    ) -> dict[str, Any]:
        """Run ``parse(value)``, unless the message is a question, another service or out of scope.

        A policy question is answered and the question asked again; a request for another service ends this
        form (nothing saved) and starts that one; from the third invalid answer in a row the re-ask also
        offers the ways out.
        """
        if value is None:  # a slot emptied earlier in this turn (by a switch, say): nothing was answered
            return {slot: None}
        message = tracker.latest_message or {}
        error: ValidationError | None = None
        try:
            parsed = await asyncio.to_thread(parse, "" if value is None else str(value))
        except ValidationError as failure:
            parsed, error = None, failure
        responder = services.policy_responder()
        kind, switch = await asyncio.to_thread(route, responder, message, tracker.active_loop_name, slot, error is None)
        if kind == "value":
            return {slot: parsed, "invalid_answers": None}
        if kind == "question" or kind == "out_of_scope":
            answer = await asyncio.to_thread(responder.respond_to_parse, message, services.today())
            dispatcher.utter_message(text=answer.text + "\n——我们接着办理刚才的事。")
            return {slot: None}
        if kind == "switch" and switch is not None:
            dispatcher.utter_message(text=switch.message)
            return {slot: None, SWITCH_MARKER: switch.to_form}
        if error is None:  # not reached: a valid answer is a value unless it is a question or a switch
            return {slot: None}
        count = invalid_count(tracker.get_slot("invalid_answers"), slot)
        if count >= MAX_INVALID:
            hotline = services.knowledge_base().hotline.render()
            dispatcher.utter_message(
                text=f"{error.message}\n{ways_out(count, hotline)}", buttons=list(WAYS_OUT_BUTTONS)
            )
        else:
            dispatcher.utter_message(text=error.message)
        return {slot: None, "invalid_answers": {"slot": slot, "count": count}}


class ActionStopForm(Named, Action):
    """The user said 算了 / 不办了: nothing is saved and the form's answers are forgotten."""

    action_name = "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Confirm the stop and clear the slots."""
        dispatcher.utter_message(response="utter_form_stopped")
        return clear_form_slots()

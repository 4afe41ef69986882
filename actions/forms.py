"""What every form of the assistant shares: re-asking on bad input, policy questions mid-form, stopping."""

from __future__ import annotations

import abc
import asyncio
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
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
from bot.form_values import parse_corrections, parse_yes_no, split_self_correction
from bot.replies import correction_notice
from bot.validation import ValidationError
from policy_kb.document_answers import out_of_scope

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
    "change_date",
    "change_confirmed",
    "registration_change",
    "invalid_answers",
    "stop_pending",
)
# Answers that only prove who someone is: giving them again costs nothing, so stopping does not ask first.
_IDENTITY_SLOTS = frozenset({"id_number", "phone_check", "credit_code", "org_phone"})
_NOT_ANSWERS = frozenset(
    {"invalid_answers", "stop_pending", "departure_date_pending", "registration_confirmed", "training_confirmed",
     "subsidy_confirmed", "change_confirmed", "registration_change"}
)  # fmt: skip
ANSWER_SLOTS = tuple(s for s in FORM_SLOTS if s not in _IDENTITY_SLOTS | _NOT_ANSWERS)
# Replies to "确定不办了吗？" that keep the form going, and those that stop it.
_GO_ON_RE = re.compile(r"^(?:不|否|别|没有?|继续|接着|不是|不停|不要停|再想想|我再想想|先不停)")
_STOP_YES_RE = re.compile(r"^(?:是|对|确定|确认|嗯|好|行|停|停止|不办了|算了|不要了|不用了)")


def clear_form_slots() -> list[EventType]:
    """Events that empty every form slot."""
    return [SlotSet(name, None) for name in FORM_SLOTS]


def confirmation(slot: str, value: Any, question: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """``slot`` set from 是 / 不 to ``question`` (a bool already read is kept); anything else is asked again."""
    if isinstance(value, bool):
        return {slot: value}
    try:
        return {slot: parse_yes_no(str(value or ""), question)}
    except ValidationError as error:
        dispatcher.utter_message(text=error.message)
        return {slot: None}


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
        """Validate as usual; a switch to another service asked for during validation ends this form for it.

        After "确定不办了吗？" (:class:`ActionStopForm`) a yes stops the form, a no asks the question again, and
        any other answer is taken as the answer to the question.
        """
        if tracker.get_slot("stop_pending") and _answered_since_stop_question(tracker):
            reply = latest_text(tracker).strip()
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            requested = tracker.get_slot("requested_slot")
            if intent == "affirm" or _STOP_YES_RE.match(reply):
                return [*clear_form_slots(), SlotSet("requested_slot", None), FollowupAction("action_stop_form")]
            if intent == "deny" or _GO_ON_RE.match(reply):
                return [SlotSet("stop_pending", None), *([SlotSet(requested, None)] if requested else [])]
            return [SlotSet("stop_pending", None), *await self._run_validation(dispatcher, tracker, domain)]
        return await self._run_validation(dispatcher, tracker, domain)

    async def _run_validation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        switch = next((e for e in events if e.get("event") == "slot" and e.get("name") == SWITCH_MARKER), None)
        if switch is None or not switch.get("value"):
            return events
        kept = [e for e in events if not (e.get("event") == "slot" and e.get("name") == SWITCH_MARKER)]
        cleared = {name for name in FORM_SLOTS}
        kept = [e for e in kept if not (e.get("event") == "slot" and e.get("name") in cleared)]
        return [*kept, *clear_form_slots(), SlotSet("requested_slot", None), FollowupAction(switch["value"])]

    def correctable_slots(self) -> dict[str, Any]:
        """Parsers of earlier answers that an answer may correct in passing (``脱贫户。哎不对 俺户口迁到河东区了``).

        None by default; a form whose answers are independent fields (the registration) lists them.
        """
        return {}

    async def _correction_in_passing(
        self, slot: str, value: Any, tracker: Tracker
    ) -> tuple[dict[str, Any], str, ValidationError | None]:
        """(earlier answers changed, what is left to answer ``slot``, why the correction could not be read)."""
        parsers = self.correctable_slots()
        split = split_self_correction(str(value)) if parsers else None
        if split is None:
            return {}, str(value), None
        before, after = split
        fixes = [
            c
            for c in parse_corrections(after)
            if c.slot != slot and c.slot in parsers and tracker.get_slot(c.slot) is not None
        ]
        if not fixes:  # "兰山，哎不对，是河东": the answer itself was corrected
            return {}, after, None
        changed: dict[str, Any] = {}
        for fix in fixes:
            try:
                changed[fix.slot] = await asyncio.to_thread(parsers[fix.slot], fix.value)
            except ValidationError as error:
                return {}, before, error
        if changed.get("work_location") == "local":
            changed["needs_transport"] = False
        return changed, before, None

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
        changed, answer, unreadable = await self._correction_in_passing(slot, value, tracker)
        if unreadable is not None:  # nothing changes; the person hears why and is asked again
            dispatcher.utter_message(text=unreadable.message)
            return {slot: None}
        if changed:
            dispatcher.utter_message(text=correction_notice(changed))
            if not answer:
                return {**changed, slot: None}
        error: ValidationError | None = None
        try:
            parsed = await asyncio.to_thread(parse, answer)
        except ValidationError as failure:
            parsed, error = None, failure
        responder = services.policy_responder()
        kind, switch = await asyncio.to_thread(route, responder, message, tracker.active_loop_name, slot, error is None)
        if kind == "value":
            return {**changed, slot: parsed, "invalid_answers": None}
        if kind == "question" or kind == "out_of_scope":
            reply = await asyncio.to_thread(responder.respond_to_parse, message, services.today())
            # An unsure question the search does not place either gets what is covered, not an empty clarification.
            text = (
                reply.text if reply.kind != "clarify" and reply.text else out_of_scope(services.knowledge_base()).text
            )
            dispatcher.utter_message(text=text + "\n——我们接着办理刚才的事。")
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
        return {**changed, slot: None, "invalid_answers": {"slot": slot, "count": count}}


def _answered_since_stop_question(tracker: Tracker) -> bool:
    """Whether the user has spoken since "确定不办了吗？" was asked (not the same turn's form run)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") == ActionStopForm.action_name:
            return False
    return True


def _last_form(tracker: Tracker) -> tuple[str | None, str | None]:
    """The form that was active before this turn deactivated it, and the question it had asked."""
    form = requested = None
    for event in reversed(tracker.events):
        if form is None and event.get("event") == "active_loop" and event.get("name"):
            form = event["name"]
        if requested is None and event.get("event") == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value") or None
        if form is not None and requested is not None:
            break
    return form, requested


class ActionStopForm(Named, Action):
    """The user said 算了 / 不办了: nothing is saved and the form's answers are forgotten.

    When the form already holds answers beyond the identity check, the first 算了 asks "确定不办了吗？" and the
    form goes on, its answers kept: a yes then stops it (:class:`AssistantFormValidation`), a no asks the question
    again, an answer is taken as one. A stop from the ways-out button (``/stop``) or after a handoff stops at once.
    """

    action_name = "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Ask first when answers would be lost; otherwise say the form stopped and clear the slots."""
        message = tracker.latest_message or {}
        asked_to_stop = (message.get("intent") or {}).get("name") == "stop"
        typed = not str(message.get("text") or "").startswith("/")
        answered = [s for s in ANSWER_SLOTS if tracker.get_slot(s) not in (None, "")]
        form, requested = _last_form(tracker)
        if asked_to_stop and typed and answered and form and not tracker.get_slot("stop_pending"):
            dispatcher.utter_message(response="utter_confirm_stop", answered=len(answered))
            return [ActiveLoop(form), SlotSet("requested_slot", requested), SlotSet("stop_pending", True)]
        dispatcher.utter_message(response="utter_form_stopped")
        return clear_form_slots()

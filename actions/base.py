"""The base of actions that call the case system: a case-system error becomes the user's message here, once."""

from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import clear_form_slots
from bot.cases.errors import CaseStoreError, CaseSystemUnavailable

log = logging.getLogger(__name__)
RETRY_HINT = "您填写的信息都已保留，不用重填：稍后回复“重试”（或“确认”）即可再次提交。"


class CaseSystemAction(Action, abc.ABC):
    """An action whose work may fail in the case system (abstract: rasa-sdk does not register it).

    Subclasses implement :meth:`act`. When it raises :class:`~bot.cases.errors.CaseStoreError`, the user is
    told the error's ``user_message`` (Chinese, free of personal data) and the conversation continues with
    :meth:`events_after_failure` — by default the form's answers are forgotten. A submission whose form names
    :attr:`retry_form` and :attr:`retry_slot` (the confirmation) keeps them instead when the case system is
    unreachable: the form asks for the confirmation again, and “重试” submits once more.
    """

    retry_form: str | None = None
    retry_slot: str | None = None
    retry_hint: str = RETRY_HINT

    @abc.abstractmethod
    def name(self) -> str:
        """Action name used in the domain."""

    @abc.abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Do the action's work; may raise ``CaseStoreError``."""

    def events_after_failure(self, tracker: Tracker, error: CaseStoreError) -> list[EventType]:
        """Events to return after the case-system error ``error`` (it has been told to the user)."""
        return clear_form_slots()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Run :meth:`act`, turning a case-system error into the user's message."""
        try:
            return await self.act(dispatcher, tracker, domain)
        except CaseStoreError as error:
            log.warning("%s: case system error %s (%s)", self.name(), type(error).__name__, error.detail)
            if isinstance(error, CaseSystemUnavailable) and self.retry_form and self.retry_slot:
                dispatcher.utter_message(text=f"{error.user_message}{self.retry_hint}")
                return [SlotSet(self.retry_slot, None), FollowupAction(self.retry_form)]
            dispatcher.utter_message(text=error.user_message)
            return self.events_after_failure(tracker, error)

"""A short apology instead of silence when a custom action fails during the user's turn.

When the action server is down, slow or answers an error, Rasa's processor logs "Encountered an exception
while running action …", drops that action's events and goes on: the REST channel then answers ``[]`` and the
WeChat channel ``success``, so the user sees nothing. :func:`with_apology` wraps a channel's
``on_new_message``: a logging handler on Rasa's processor logger notes each such failure in a context
variable that belongs to the turn's task, and after the turn the user is told :data:`APOLOGY`.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

APOLOGY = "抱歉，系统暂时出了点问题，这一步没有办成。请稍后再发一次，或拨打 12333 咨询。"
PROCESSOR_LOGGER = "rasa.core.processor"
FAILURE_MARK = "Encountered an exception while running action"

_failures: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("action_failures", default=None)


class ActionFailureHandler(logging.Handler):
    """Records failed actions of the current turn (the records themselves are left to the other handlers)."""

    def emit(self, record: logging.LogRecord) -> None:
        failures = _failures.get()
        if failures is not None and FAILURE_MARK in str(record.msg):
            failures.append(str(record.msg))


def install() -> None:
    """Attach the handler to Rasa's processor logger once."""
    logger = logging.getLogger(PROCESSOR_LOGGER)
    if not any(isinstance(h, ActionFailureHandler) for h in logger.handlers):
        logger.addHandler(ActionFailureHandler(level=logging.ERROR))


def with_apology(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    """``on_new_message`` that apologises to the user when an action of the turn failed."""
    install()

    async def handle(message: UserMessage) -> None:
        failures: list[str] = []
        token = _failures.set(failures)
        try:
            await on_new_message(message)
        finally:
            _failures.reset(token)
        if failures and message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, APOLOGY)

    return handle

"""Rasa's REST channel, plus the agent's replies: a handed-over REST user gets them with their next message.

Same URL and payload as Rasa's own REST channel (``POST /webhooks/rest/webhook``), on the hardened channel of
:mod:`bot.channels.rest` (sender namespace ``rest:``, REST_CHANNEL, typed payloads as text); it is registered
in ``credentials.yml`` under its module path instead of ``rest``. Before the user's message is handled, the
replies an agent wrote since the last message are put first in the response (marked 【人工客服】); while an
agent holds the conversation (the bot is paused and says nothing), the user is told the message reached them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.apology import with_apology
from bot.channels.rest import RestInput
from bot.handoff.outbox import AGENT_PREFIX, default_outbox

logger = logging.getLogger(__name__)
WAITING_TEXT = "您的消息已转给人工客服，请稍候，回复会在您下次发消息时显示。"


class HandoffRestInput(RestInput):
    """The REST channel with delivery of agents' replies."""

    @classmethod
    def name(cls) -> str:
        """Keeps the public URL ``/webhooks/rest/webhook`` and the channel name ``rest``."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint around a handler that delivers pending agent replies.

        A failed action of the turn is followed by a short apology (:mod:`bot.channels.apology`).
        """
        on_new_message = with_apology(on_new_message)

        async def handle(message: UserMessage) -> None:
            outbox = default_outbox()
            try:
                pending, held = await asyncio.to_thread(outbox.before_turn, message.sender_id)
            except SQLAlchemyError:
                logger.exception("agent replies could not be read; the bot answers without them")
                pending, held = [], False
            for text in pending:
                await message.output_channel.send_text_message(message.sender_id, AGENT_PREFIX + text)
            await on_new_message(message)
            if held:  # an agent held it as the message came: the bot said nothing, unless the agent let go since
                try:
                    held = await asyncio.to_thread(outbox.in_active_handoff, message.sender_id)
                except SQLAlchemyError:
                    held = False
            if held:
                await message.output_channel.send_text_message(message.sender_id, WAITING_TEXT)

        return super().blueprint(handle)

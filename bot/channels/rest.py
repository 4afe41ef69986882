"""The REST channel at ``/webhooks/rest/webhook``, with Rasa's request and reply format, hardened.

Registered in ``credentials.yml`` as ``bot.channels.rest.RestInput:`` instead of Rasa's ``rest:``.

- ``REST_CHANNEL`` chooses who may use it: ``open`` (the embedded demo on loopback, the default), ``token``
  (callers send ``Authorization: Bearer $REST_CHANNEL_TOKEN``) or ``off`` (every request refused).
- Sender ids live in their own namespace: the conversation of REST sender ``u1`` is ``rest:u1``, so a REST
  caller who knows a WeChat user's openid reaches a different conversation, never theirs. The input channel
  is always ``rest`` (Rasa's channel believes an ``input_channel`` field in the body).
- Typed ``/intent{…}`` text is plain text; only the payload of a button offered in the assistant's previous
  reply to this sender passes as a payload (:mod:`bot.channels.payloads`).
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings as settings_mod
from bot.channels.blueprints import channel_blueprint
from bot.channels.payloads import as_user_text, offered_payloads
from bot.channels.wechat.store import ChoiceMemory, KeyValueStore, MemoryStore, RedisStore

logger = logging.getLogger(__name__)

SENDER_PREFIX = "rest:"
MAX_SENDER = 120
MAX_TEXT = 4000
MODES = ("open", "token", "off")


def conversation_id(sender: str) -> str:
    """The conversation (tracker) id of REST sender ``sender``."""
    return SENDER_PREFIX + sender


class RestInput(InputChannel):
    """Rasa's REST contract (``{"sender", "message"}`` in, the bot's messages out) behind the settings above."""

    @classmethod
    def name(cls) -> str:
        """The channel name; the webhook is ``/webhooks/rest/webhook``."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from :func:`bot.settings.load` (credentials.yml carries nothing for it)."""
        return cls(settings_mod.load())

    def __init__(
        self,
        settings: settings_mod.Settings | None = None,
        *,
        store_factory: Callable[[], KeyValueStore] | None = None,
    ) -> None:
        self.settings = settings or settings_mod.load()
        if self.settings.rest_channel not in MODES:
            raise settings_mod.SettingsError(f"REST_CHANNEL={self.settings.rest_channel!r} 只能是 open、token 或 off")
        if self.settings.rest_channel == "token" and not self.settings.rest_channel_token:
            raise settings_mod.SettingsError("REST_CHANNEL=token 需要设置 REST_CHANNEL_TOKEN")
        if store_factory is None:
            url = self.settings.redis_url
            store_factory = functools.partial(RedisStore.from_url, url, prefix="rest:") if url else MemoryStore
        self._store_factory = store_factory
        self._store: KeyValueStore | None = None

    def _memory(self) -> ChoiceMemory:
        if self._store is None:
            self._store = self._store_factory()
        return ChoiceMemory(self._store)

    def _authorised(self, request: Request) -> bool:
        mode = self.settings.rest_channel
        if mode == "open":
            return True
        if mode == "off":
            return False
        offered = request.headers.get("Authorization", "")
        expected = f"Bearer {self.settings.rest_channel_token}"
        return hmac.compare_digest(offered.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /`` health and ``POST /webhook``."""
        bp = channel_blueprint("rest_webhook")

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings.rest_channel == "off":
                return response.json({"error": "REST channel is off"}, status=403)
            if not self._authorised(request):
                return response.json({"error": "unauthorized"}, status=401)
            try:
                body = request.json
            except Exception:  # Sanic raises on malformed JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": '请求体应为 JSON：{"sender": "…", "message": "…"}'}, status=400)
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
                return response.json({"error": f"sender 应为 1–{MAX_SENDER} 个字符的字符串"}, status=400)
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                return response.json({"error": f"message 应为不超过 {MAX_TEXT} 个字符的字符串"}, status=400)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            conversation = conversation_id(sender)
            memory = self._memory()
            text = as_user_text(text, await memory.recall(conversation))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, conversation, input_channel=self.name(), metadata=metadata)
                )
            except Exception:
                logger.exception("REST turn failed for a message of %d characters", len(text))
            await memory.remember(conversation, offered_payloads(collector.messages))
            return response.json(collector.messages)

        return bp

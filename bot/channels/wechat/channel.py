"""The Rasa input channel for the WeChat official account: a thin wrapper around :class:`WeChatService`.

Registered in ``credentials.yml`` as ``bot.channels.wechat.WeChatInput:`` and served at
``/webhooks/wechat/webhook``. Settings come from :func:`bot.settings.load`, never from credentials.yml.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings as settings_mod
from bot.channels.apology import with_apology
from bot.channels.blueprints import channel_blueprint
from bot.channels.wechat.api import WeChatApiClient
from bot.channels.wechat.errors import BodyTooLarge, ProtocolError
from bot.channels.wechat.menu import DEFAULT_MENU_PATH, load_menu
from bot.channels.wechat.service import (
    DEFAULT_REPLY_DEADLINE,
    MAX_BODY_BYTES,
    Clock,
    HttpReply,
    WeChatService,
)
from bot.channels.wechat.store import FailoverStore, KeyValueStore, MemoryStore, RedisStore
from bot.channels.wechat.token_cache import RedisTokenCache
from bot.privacy import install_log_masking

logger = logging.getLogger(__name__)

API_TIMEOUT = 5.0


def _to_sanic(reply: HttpReply) -> HTTPResponse:
    return response.text(reply.body, status=reply.status, content_type=reply.content_type)


class WeChatInput(InputChannel):
    """WeChat official-account (公众号) input channel.

    Args:
        settings: The assistant's settings (default: :func:`bot.settings.load`).
        clock: Unix time in seconds; "now" for timestamp checks.
        reply_deadline: Seconds a turn may take before the answer goes through the customer-service API.
        api_client: Client of the WeChat API (default: one built from the settings).
        menu_path: The menu definition mapping ``CLICK`` keys to messages.
        store_factory: Builds the dedup store (default: Redis when ``REDIS_URL`` is set, else memory).
        key_prefix: Prefix of every Redis key.
        max_body: Largest accepted request body in bytes.
    """

    @classmethod
    def name(cls) -> str:
        """The channel name; the webhook is ``/webhooks/wechat/webhook``."""
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel; the settings, not ``credentials``, are the source of truth.

        credentials.yml may list ``${WECHAT_TOKEN}`` and the like, expanded to empty strings when unset;
        they are ignored in favour of :func:`bot.settings.load`.
        """
        return cls(settings_mod.load())

    def __init__(
        self,
        settings: settings_mod.Settings | None = None,
        *,
        clock: Clock = time.time,
        reply_deadline: float = DEFAULT_REPLY_DEADLINE,
        api_client: WeChatApiClient | None = None,
        menu_path: Path = DEFAULT_MENU_PATH,
        store_factory: Callable[[], KeyValueStore] | None = None,
        key_prefix: str = "wechat:",
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.settings = settings or settings_mod.load()
        self._clock = clock
        self._reply_deadline = reply_deadline
        self.api_client = api_client or WeChatApiClient(
            self.settings.wechat_api_base,
            self.settings.wechat_appid,
            self.settings.wechat_appsecret,
            timeout=API_TIMEOUT,
            # One token for every Rasa process: a fetch by one process would invalidate the others'.
            token_cache=(
                RedisTokenCache.from_url(self.settings.redis_url, self.settings.wechat_appid, prefix=key_prefix)
                if self.settings.redis_url
                else None
            ),
        )
        self._menu_messages = load_menu(menu_path).messages_by_key()
        if store_factory is None:
            redis_url = self.settings.redis_url
            store_factory = (
                (lambda: FailoverStore(RedisStore.from_url(redis_url, prefix=key_prefix))) if redis_url else MemoryStore
            )
        self._store_factory = store_factory
        self._max_body = max_body

    def _service(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> WeChatService:
        async def turn(text: str, openid: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender_id=openid,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return collector.messages

        return WeChatService(
            token=self.settings.wechat_token,
            appid=self.settings.wechat_appid,
            encoding_aes_keys=(
                self.settings.wechat_encoding_aes_key,
                self.settings.wechat_encoding_aes_key_previous,
            ),
            turn=turn,
            store_factory=self._store_factory,
            api=self.api_client,
            menu_messages=self._menu_messages,
            clock=self._clock,
            reply_deadline=self._reply_deadline,
            max_body=self._max_body,
            accept_plaintext=self.settings.wechat_accept_plaintext,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The Sanic blueprint: ``GET /`` health, ``GET /webhook`` verification, ``POST /webhook``."""
        install_log_masking()  # the server's handlers exist by now; no ID or phone number reaches a log in full
        service = self._service(with_apology(on_new_message))  # a failed action ends in an apology
        bp = channel_blueprint("wechat_webhook")

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return _to_sanic(service.verify_url(_query(request)))

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                service.check_content_length(request.headers.get("content-length"))
                body = await _read_limited(request, service.max_body)
            except ProtocolError as exc:
                logger.info("WeChat request refused (%s): %s", exc.status, exc)
                return response.text("payload too large" if exc.status == 413 else "bad request", exc.status)
            return _to_sanic(await service.handle_message(_query(request), body))

        @bp.listener("after_server_stop")
        async def close(app: Any, loop: Any) -> None:
            await service.close()

        return bp


def _query(request: Request) -> dict[str, str]:
    """The first value of each query parameter, blank values kept."""
    return {key: values[0] for key, values in request.get_args(keep_blank_values=True).items() if values}


async def _read_limited(request: Request, limit: int) -> bytes:
    """Read a streamed body, stopping as soon as it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if request.stream is None:
            break
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge("body over the limit")
        chunks.append(chunk)
    return b"".join(chunks)

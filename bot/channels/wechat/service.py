"""The WeChat server protocol, from an HTTP request to an HTTP answer, without Rasa.

:class:`WeChatService` checks signatures, timestamps and replayed nonces, decrypts safe-mode bodies, turns
each message or event into one assistant turn (run once per delivery, however often WeChat retries it),
answers passively when the turn is quick and through the customer-service API when it is not.
The assistant is reached through a ``turn`` coroutine: ``turn(text, openid, metadata) -> bot messages``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels.payloads import as_user_text
from bot.channels.wechat.api import WeChatApiClient, WeChatApiError, WeChatTransportError
from bot.channels.wechat.crypto import MessageCrypto
from bot.channels.wechat.errors import BodyTooLarge, ForbiddenRequest, MalformedXml, ProtocolError
from bot.channels.wechat.late import HEARTBEAT_S, LateAnswers
from bot.channels.wechat.messages import (
    InboundMessage,
    build_encrypted_reply,
    build_text_reply,
    parse_xml,
    to_message,
)
from bot.channels.wechat.replies import MAX_REPLY_BYTES, FormattedAnswer, choose, format_answer
from bot.channels.wechat.signature import check_signature, compute_signature
from bot.channels.wechat.store import ChoiceMemory, Deduplicator, KeyValueStore, MemoryStore, ReplayGuard
from bot.privacy import mask_pii

logger = logging.getLogger(__name__)

Turn = Callable[[str, str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
Clock = Callable[[], float]

SUCCESS = "success"
MAX_BODY_BYTES = 64 * 1024
TIMESTAMP_WINDOW = 300.0
DEFAULT_REPLY_DEADLINE = 4.5
GREET_MESSAGE = "/greet"

VOICE_NOT_RECOGNISED = "没听清您的语音，请用文字输入您的问题。"
PLEASE_TYPE = "目前只能看懂文字消息，请用文字输入您的问题，例如“求职补贴怎么申请”。"
UNKNOWN_MENU = "这个菜单暂时不可用，请直接输入您的问题。"
APOLOGY = "抱歉，系统暂时出了点问题，请稍后再试。"

_REFUSAL_BODIES = {400: "bad request", 403: "forbidden", 413: "payload too large"}


@dataclass(frozen=True)
class HttpReply:
    """What the webhook answers: status, body and content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def _refusal(status: int) -> HttpReply:
    return HttpReply(status, _REFUSAL_BODIES.get(status, "bad request"))


def _short_id(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else openid


class WeChatService:
    """Handles the webhook's GET (URL verification) and POST (messages) for one official account.

    Args:
        token: The token configured on the platform; empty refuses every request.
        appid: The AppID, needed for safe mode.
        encoding_aes_keys: The current EncodingAESKey, then optionally the previous one; empty entries are
            ignored. Without a key, safe-mode requests are refused.
        turn: Runs one assistant turn and returns the bot messages.
        store_factory: Builds the shared store on first use (inside the server's event loop).
        api: Client for customer-service messages; without one (or unconfigured), late answers are dropped
            with a warning.
        menu_messages: ``EventKey`` → message for ``CLICK`` events.
        clock: Unix time in seconds, for timestamps ("now").
        reply_deadline: Seconds a turn may take before the answer goes through the customer-service API.
        max_body: Largest accepted body in bytes.
        timestamp_window: Largest accepted distance between a request's timestamp and now, in seconds.
        reply_limit: Byte limit of one text message.
        accept_plaintext: With a key set, also accept unencrypted messages (explicit compatibility choice,
            ``WECHAT_ACCEPT_PLAINTEXT``); by default they are refused with 403.
    """

    def __init__(
        self,
        *,
        token: str,
        appid: str,
        encoding_aes_keys: Sequence[str] = (),
        turn: Turn,
        store_factory: Callable[[], KeyValueStore] = MemoryStore,
        api: WeChatApiClient | None = None,
        menu_messages: Mapping[str, str] | None = None,
        clock: Clock = time.time,
        reply_deadline: float = DEFAULT_REPLY_DEADLINE,
        max_body: int = MAX_BODY_BYTES,
        timestamp_window: float = TIMESTAMP_WINDOW,
        reply_limit: int = MAX_REPLY_BYTES,
        accept_plaintext: bool = False,
    ) -> None:
        self._token = token
        self._accept_plaintext = accept_plaintext
        keys = [k for k in encoding_aes_keys if k]
        self._crypto = MessageCrypto(keys, appid) if keys and appid else None
        self._turn = turn
        self._store_factory = store_factory
        self._store: KeyValueStore | None = None
        self._api = api
        self._menu_messages = dict(menu_messages or {})
        self._clock = clock
        self._reply_deadline = reply_deadline
        self.max_body = max_body
        self._window = timestamp_window
        self._reply_limit = reply_limit
        self._tasks: set[asyncio.Task[Any]] = set()
        self._late: LateAnswers | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._warned_no_token = False
        self._warned_no_key = False

    # -- lifecycle -------------------------------------------------------------------------------

    def _ensure_store(self) -> KeyValueStore:
        if self._store is None:
            self._store = self._store_factory()
        return self._store

    def _ensure_late(self) -> LateAnswers:
        """The promises of late answers, and (once) the task that beats and takes over dead processes' ones."""
        if self._late is None:
            self._late = LateAnswers(self._ensure_store())
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep(self._late))
        return self._late

    async def _sweep(self, late: LateAnswers) -> None:
        while True:
            try:
                await late.beat()
                for message, text in await late.orphans():
                    self._track(self._answer_orphan(late, message, text))
            except Exception:  # the store may be down for a moment: try again on the next beat
                logger.warning("WeChat late-answer sweep failed", exc_info=True)
            await asyncio.sleep(HEARTBEAT_S)

    async def _answer_orphan(self, late: LateAnswers, message: InboundMessage, text: str) -> None:
        logger.info("WeChat: running again a turn of a stopped process")
        await self._deliver_late(self._track(self._run_turn(text, message)), message, late)

    async def close(self, timeout: float = 10.0) -> None:
        """Let late answers finish (up to ``timeout`` seconds), then release the store."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._store is not None:
            await self._store.close()
            self._store = None

    def _track(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- checks ----------------------------------------------------------------------------------

    def _require_token(self) -> None:
        if not self._token:
            if not self._warned_no_token:
                logger.warning("WECHAT_TOKEN 未设置：微信通道拒绝所有请求（403）")
                self._warned_no_token = True
            raise ForbiddenRequest("no token configured")

    def _require_fresh(self, timestamp: str) -> None:
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            raise ForbiddenRequest("invalid timestamp")
        if abs(self._clock() - int(timestamp)) > self._window:
            raise ForbiddenRequest("stale timestamp")

    def check_content_length(self, header: str | None) -> None:
        """Refuse a declared body length over the limit before reading the body.

        Raises:
            BodyTooLarge: The header announces more than ``max_body`` bytes.
            ProtocolError: The header is not a number.
        """
        if header is None:
            return
        header = header.strip()
        if not header.isdigit():
            raise ProtocolError("invalid Content-Length")
        if int(header) > self.max_body:
            raise BodyTooLarge("Content-Length over the limit")

    # -- GET ---------------------------------------------------------------------------------------

    def verify_url(self, query: Mapping[str, str]) -> HttpReply:
        """Answer the URL verification: ``echostr`` for a valid signature, 403 otherwise.

        The timestamp is not checked for freshness here: echoing a string leaks nothing and the platform's
        own check must not fail on a skewed server clock.
        """
        try:
            self._require_token()
            echostr = query.get("echostr", "")
            if not echostr or not check_signature(
                self._token, query.get("signature"), query.get("timestamp", ""), query.get("nonce", "")
            ):
                raise ForbiddenRequest("bad signature")
        except ProtocolError as exc:
            logger.info("WeChat URL verification refused: %s", exc)
            return _refusal(exc.status)
        return HttpReply(200, echostr)

    # -- POST --------------------------------------------------------------------------------------

    async def handle_message(self, query: Mapping[str, str], body: bytes) -> HttpReply:
        """Answer one pushed message or event.

        Args:
            query: The query parameters (``signature``, ``timestamp``, ``nonce``, ``encrypt_type``,
                ``msg_signature`` …).
            body: The raw request body.

        Returns:
            A passive reply, ``success``, or a refusal (4xx, with a short fixed body).
        """
        try:
            return await self._handle(query, body)
        except ProtocolError as exc:
            logger.info("WeChat request refused (%s): %s", exc.status, exc)
            return _refusal(exc.status)
        except Exception:  # e.g. Redis unreachable: log it here, answer without details
            logger.error("WeChat request failed", exc_info=True)
            return HttpReply(500, "internal error")

    async def _handle(self, query: Mapping[str, str], body: bytes) -> HttpReply:
        self._require_token()
        if len(body) > self.max_body:
            raise BodyTooLarge("body over the limit")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        self._require_fresh(timestamp)
        if not check_signature(self._token, query.get("signature"), timestamp, nonce):
            raise ForbiddenRequest("bad signature")
        if not await ReplayGuard(self._ensure_store(), ttl=2 * self._window).admit(timestamp, nonce, body):
            raise ForbiddenRequest("replayed timestamp and nonce with another body")
        outer = parse_xml(body)
        encrypted = query.get("encrypt_type", "raw").lower() == "aes"
        if encrypted:
            if self._crypto is None:
                if not self._warned_no_key:
                    logger.warning("收到安全模式消息，但未设置 WECHAT_ENCODING_AES_KEY 或 WECHAT_APPID")
                    self._warned_no_key = True
                raise ProtocolError("safe mode without a key")
            encrypt = outer.get("Encrypt", "")
            if not encrypt:
                raise MalformedXml("no Encrypt element")
            if not check_signature(self._token, query.get("msg_signature"), timestamp, nonce, encrypt):
                raise ForbiddenRequest("bad msg_signature")
            # In compatible mode the plaintext fields sit beside Encrypt; only the signed ciphertext counts.
            fields = parse_xml(self._crypto.decrypt(encrypt).encode("utf-8"))
        else:
            if self._crypto is not None and not self._accept_plaintext:
                # With a key set, only signed ciphertext is believed (compatible mode sends both; explicit opt-in).
                raise ForbiddenRequest("plaintext message while an EncodingAESKey is set")
            fields = outer
        message = to_message(fields)
        text = await self._answer(message)
        return self._render(text, message, nonce, encrypted)

    def _render(self, text: str | None, message: InboundMessage, nonce: str, encrypted: bool) -> HttpReply:
        if text is None:
            return HttpReply(200, SUCCESS)
        now = str(int(self._clock()))
        xml = build_text_reply(message.from_user, message.to_user, int(now), text)
        if encrypted and self._crypto is not None:
            encrypt = self._crypto.encrypt(xml)
            signature = compute_signature(self._token, now, nonce, encrypt)
            xml = build_encrypted_reply(encrypt, signature, now, nonce)
        return HttpReply(200, xml, "application/xml; charset=utf-8")

    # -- messages to turns ---------------------------------------------------------------------------

    async def _answer(self, message: InboundMessage) -> str | None:
        """Return the passive reply text for ``message`` (None: answer ``success``)."""
        openid = message.from_user
        kind = message.msg_type
        if kind == "text" or kind == "voice":
            text = (message.content if kind == "text" else message.recognition or "").strip()
            if not text:
                return PLEASE_TYPE if kind == "text" else VOICE_NOT_RECOGNISED
            payload = choose(text, await ChoiceMemory(self._ensure_store()).recall(openid))
            logger.debug("WeChat %s from %s: %s", kind, _short_id(openid), mask_pii(text)[:200])
            # A number picks an offered button's payload; typed "/intent{…}" is only ever text.
            return await self._run_once(message, payload or as_user_text(text))
        if kind == "event":
            event = message.event.lower()
            if event == "subscribe":
                return await self._run_once(message, GREET_MESSAGE)
            if event == "click":
                target = self._menu_messages.get(message.event_key)
                if target is None:
                    logger.warning("WeChat menu key not in menu.yml: %s", mask_pii(message.event_key)[:64])
                    return UNKNOWN_MENU
                return await self._run_once(message, target)
            return None  # unsubscribe, VIEW, SCAN, LOCATION …: nothing to say
        return PLEASE_TYPE

    async def _run_once(self, message: InboundMessage, text: str) -> str | None:
        # The holder stores a reply (or None: late answer by the customer-service API) within the deadline, so
        # its lock need not outlive it: when the holding process dies, WeChat's next try takes the message over.
        dedup = Deduplicator(self._ensure_store(), lock_ttl=self._reply_deadline + 1.0)
        claim = await dedup.begin(message.dedup_key, wait=self._reply_deadline + 1.5)
        if not claim.owner:
            logger.info("WeChat duplicate delivery %s answered from the first one", message.dedup_key)
            return claim.reply
        late = self._ensure_late()
        turn = self._track(self._run_turn(text, message))
        try:
            answer: FormattedAnswer = await asyncio.wait_for(asyncio.shield(turn), self._reply_deadline)
        except asyncio.TimeoutError:
            await late.promise(message, text)  # another process answers it if this one dies first
            await dedup.finish(claim, None)
            self._track(self._deliver_late(turn, message, late))
            return None
        except asyncio.CancelledError:
            # The connection went away; the turn goes on and its answer takes the customer-service path.
            self._track(self._finish_abandoned(dedup, claim, turn, message, text, late))
            raise
        except Exception:
            logger.error("WeChat turn failed", exc_info=True)
            await dedup.finish(claim, APOLOGY)
            return APOLOGY
        first = answer.parts[0] if answer.parts else None
        await dedup.finish(claim, first)
        if len(answer.parts) > 1:
            self._track(self._send_parts(message.from_user, answer.parts[1:]))
        return first

    async def _run_turn(self, text: str, message: InboundMessage) -> FormattedAnswer:
        metadata = {
            "wechat": {
                "msg_type": message.msg_type,
                "msg_id": message.msg_id,
                "event": message.event,
                "event_key": message.event_key,
                "account": message.to_user,
                "create_time": message.create_time,
            }
        }
        messages = await self._turn(text, message.from_user, metadata)
        answer = format_answer(messages, self._reply_limit)
        payloads = [c.payload for c in answer.choices]
        await ChoiceMemory(self._ensure_store()).remember(message.from_user, payloads)
        return answer

    async def _finish_abandoned(
        self,
        dedup: Deduplicator,
        claim: Any,
        turn: asyncio.Task[FormattedAnswer],
        message: InboundMessage,
        text: str,
        late: LateAnswers,
    ) -> None:
        await late.promise(message, text)
        await dedup.finish(claim, None)
        await self._deliver_late(turn, message, late)

    async def _deliver_late(
        self, turn: asyncio.Task[FormattedAnswer], message: InboundMessage, late: LateAnswers
    ) -> None:
        try:
            answer = await turn
            parts = list(answer.parts)
        except Exception:
            logger.error("WeChat turn failed after the passive reply window", exc_info=True)
            parts = [APOLOGY]
        await self._send_parts(message.from_user, parts)
        await late.kept(message)

    async def _send_parts(self, openid: str, parts: Sequence[str]) -> None:
        """Send ``parts`` in order as customer-service messages; stop at the first failure."""
        if not parts:
            return
        if self._api is None or not self._api.configured:
            logger.warning("未设置 WECHAT_APPID/WECHAT_APPSECRET，无法发送客服消息给 %s", _short_id(openid))
            return
        for part in parts:
            try:
                await asyncio.to_thread(self._api.send_text, openid, part)
            except WeChatApiError as exc:
                logger.warning("客服消息发送失败（errcode %s）：%s", exc.errcode, _short_id(openid))
                return
            except WeChatTransportError as exc:
                logger.warning("客服消息发送失败（%s）：%s", exc, _short_id(openid))
                return

"""Answers promised through the customer-service API, kept in the shared store until they are sent.

When a turn outlasts WeChat's five seconds, the channel replies ``success`` and sends the answer later as a
customer-service message; WeChat will not ask again. If the process that promised the answer dies before
sending it (an upgrade, a crash), the promise would be lost. So each promise is written to the shared store
(Redis with several processes) with the message and its owner; every process renews a short-lived heartbeat, and
looks for promises whose owner has stopped beating: one of them claims such a promise, runs the turn again (the
dead process did not finish it, so Rasa has not stored it) and sends the answer.

The promise holds the user's message for at most :data:`KEEP_S` seconds, in the same store as the replies
kept for WeChat's retries.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid

from bot.channels.wechat.messages import InboundMessage
from bot.channels.wechat.store import KeyValueStore

logger = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
ALIVE_TTL_S = 6.0
KEEP_S = 300.0
CLAIM_TTL_S = 120.0


class LateAnswers:
    """This process's promises, its heartbeat, and the promises of processes that stopped."""

    def __init__(self, store: KeyValueStore, owner: str | None = None) -> None:
        """Args: store: the shared store; owner: this process's id (random by default)."""
        self._store = store
        self.owner = owner or uuid.uuid4().hex

    async def beat(self) -> None:
        """Say this process is alive for the next :data:`ALIVE_TTL_S` seconds."""
        await self._store.set(f"alive:{self.owner}", "1", ALIVE_TTL_S)

    async def promise(self, message: InboundMessage, text: str) -> None:
        """Record that this process owes ``message`` an answer by customer-service message."""
        await self.beat()  # before the promise: nobody may take it for an orphan in between
        entry = {"owner": self.owner, "text": text, "message": dataclasses.asdict(message)}
        await self._store.set(f"late:{message.dedup_key}", json.dumps(entry, ensure_ascii=False), KEEP_S)

    async def kept(self, message: InboundMessage) -> None:
        """The answer was sent (or given up on): forget the promise."""
        await self._store.delete(f"late:{message.dedup_key}")

    async def orphans(self) -> list[tuple[InboundMessage, str]]:
        """Promises whose owner stopped beating, each claimed by this process (at most one process gets each)."""
        found = []
        for key in await self._store.keys("late:"):
            raw = await self._store.get(key)
            if raw is None:
                continue
            try:
                entry = json.loads(raw)
                message = InboundMessage(**entry["message"])
            except (ValueError, TypeError, KeyError):
                await self._store.delete(key)
                continue
            if entry.get("owner") == self.owner or await self._store.get(f"alive:{entry.get('owner')}"):
                continue
            if await self._store.add(f"late-claim:{key}", self.owner, CLAIM_TTL_S):
                logger.warning("微信：接手一个已停止的进程欠下的答复（%s）", key.split(":")[1][:6])
                found.append((message, str(entry.get("text") or "")))
        return found

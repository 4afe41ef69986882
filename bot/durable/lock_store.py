"""A Redis lock store whose tickets are issued atomically, safe for several Rasa processes.

Rasa's own ``RedisLockStore`` reads a conversation's lock as JSON, adds a ticket and writes it back: two
replicas doing that at once hand out the same ticket number, or one overwrites the other's ticket, and two
turns of one conversation then run at the same time. Here every change is one Lua script, run atomically by
Redis:

* ``{prefix}{conversation}:n`` — the ticket counter (``INCR``), so no number is ever issued twice;
* ``{prefix}{conversation}:t`` — a hash ``ticket number → expiry`` (milliseconds, Redis's clock).

The conversation is served to the lowest live ticket. A ticket expires after the lock lifetime, so a
process that died holding one blocks the conversation for at most that long.

Rasa calls ``lock()`` (an async context manager) from its message path and the HTTP API; this class keeps
the blocking methods of :class:`rasa.core.lock_store.LockStore` working too, for anything else that calls
them. ``tests/bot/durable/test_lock_store_interface.py`` fails when Rasa changes what this relies on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "rasa-lock:"
# The counter outlives every ticket by far, so a stale holder can never meet a reissued number.
COUNTER_TTL_MS = 24 * 3600 * 1000

_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "

# KEYS: counter, tickets. ARGV: lifetime ms, counter ttl ms. Returns the new ticket number.
_ISSUE = (
    _NOW_MS
    + """
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], number, now + tonumber(ARGV[1]))
local ttl = redis.call('PTTL', KEYS[2])
if ttl < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return number
"""
)

# KEYS: tickets. Drops expired tickets; returns the flat list [number, expiry, ...] of live ones.
_LIVE = (
    _NOW_MS
    + """
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    live[#live + 1] = all[i]
    live[#live + 1] = all[i + 1]
  end
end
return live
"""
)

# KEYS: tickets. ARGV: ticket number. Removes it; deletes the hash when nobody else holds a ticket.
_FINISH = """
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
"""


def _now_serving(live: list[Any]) -> int | None:
    numbers = [int(live[i]) for i in range(0, len(live), 2)]
    return min(numbers) if numbers else None


def _ticket_lock(conversation_id: str, live: list[Any]) -> TicketLock:
    pairs = sorted((int(live[i]), int(live[i + 1]) / 1000) for i in range(0, len(live), 2))
    return TicketLock(conversation_id, deque(Ticket(number, expires) for number, expires in pairs))


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis with atomic issue and release (see the module docstring).

    Args:
        url: ``redis://[:password@]host:port/db``; when given it wins over the other connection arguments.
        host: Redis host (Rasa passes the endpoint's ``url`` here when the class is named in endpoints.yml).
        port: Redis port.
        db: Redis database number.
        password: Redis password.
        key_prefix: Prepended to every key, so several deployments or tests can share one Redis.
        socket_timeout: Seconds before a Redis command fails.
        endpoint_config: What Rasa passes when it loads this class from endpoints.yml.
    """

    def __init__(
        self,
        url: str | None = None,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        password: str | None = None,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        socket_timeout: float = 5.0,
        endpoint_config: EndpointConfig | None = None,
    ) -> None:
        import redis
        import redis.asyncio as redis_asyncio

        if endpoint_config is not None:
            url = url or endpoint_config.url
            options = endpoint_config.kwargs
            key_prefix = str(options.get("key_prefix") or key_prefix)
            socket_timeout = float(options.get("socket_timeout") or socket_timeout)
        if not url:
            url = f"redis://{host}:{int(port)}/{int(db)}"
            if password:
                url = f"redis://:{password}@{host}:{int(port)}/{int(db)}"
        options = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_timeout}
        self.red = redis.Redis.from_url(url, decode_responses=True, **options)
        self._async_red = redis_asyncio.from_url(url, decode_responses=True, **options)
        self.key_prefix = key_prefix
        self._issue = self.red.register_script(_ISSUE)
        self._live = self.red.register_script(_LIVE)
        self._finish = self.red.register_script(_FINISH)
        self._async_issue = self._async_red.register_script(_ISSUE)
        self._async_live = self._async_red.register_script(_LIVE)
        self._async_finish = self._async_red.register_script(_FINISH)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = f"{self.key_prefix}{conversation_id}"
        return [f"{base}:n", f"{base}:t"]

    # --- the blocking interface of rasa.core.lock_store.LockStore --------------------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket number for ``conversation_id``, valid for ``lock_lifetime`` seconds."""
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[int(lock_lifetime * 1000), COUNTER_TTL_MS]))
        except Exception as exc:  # Rasa expects LockError from a lock store that cannot issue
            raise LockError(f"无法为会话加锁：{exc}") from exc

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's live tickets as a :class:`TicketLock`, or None when there are none."""
        live = self._live(keys=self._keys(conversation_id)[1:])
        return _ticket_lock(conversation_id, live) if live else None

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the stored tickets of ``lock.conversation_id`` with those of ``lock`` (one transaction)."""
        tickets = self._keys(lock.conversation_id)[1]
        pipe = self.red.pipeline(transaction=True)
        pipe.delete(tickets)
        if lock.tickets:
            pipe.hset(tickets, mapping={t.number: int(t.expires * 1000) for t in lock.tickets})
            pipe.pexpire(tickets, COUNTER_TTL_MS)
        pipe.execute()

    def delete_lock(self, conversation_id: str) -> None:
        """Drop every ticket of ``conversation_id`` (the counter stays, so numbers keep increasing)."""
        deleted = self.red.delete(self._keys(conversation_id)[1])
        self._log_deletion(conversation_id, bool(deleted))

    def update_lock(self, conversation_id: str) -> None:
        """Remove expired tickets."""
        self._live(keys=self._keys(conversation_id)[1:])

    def is_someone_waiting(self, conversation_id: str) -> bool:
        """Whether any live ticket exists for ``conversation_id``."""
        return bool(self._live(keys=self._keys(conversation_id)[1:]))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number``; other holders' tickets are untouched."""
        self._finish(keys=self._keys(conversation_id)[1:], args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release ``ticket_number`` (the hash disappears with its last ticket)."""
        self.finish_serving(conversation_id, ticket_number)

    # --- the path Rasa takes for every message: non-blocking ----------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the body of the ``async with``.

        Raises:
            LockError: Redis failed, or the ticket expired before its turn came.
        """
        keys = self._keys(conversation_id)
        try:
            ticket = int(await self._async_issue(keys=keys, args=[int(lock_lifetime * 1000), COUNTER_TTL_MS]))
        except Exception as exc:
            raise LockError(f"无法为会话加锁：{exc}") from exc
        try:
            yield await self._acquire(conversation_id, ticket, min(wait_time_in_seconds, 0.05))
        finally:
            try:
                await self._async_finish(keys=keys[1:], args=[ticket])
            except Exception:  # the ticket then expires by itself after the lock lifetime
                logger.exception("释放会话锁失败（票号将在锁有效期后自动失效）")

    async def _acquire(self, conversation_id: str, ticket: int, poll_seconds: float) -> TicketLock:
        while True:
            try:
                live = await self._async_live(keys=self._keys(conversation_id)[1:])
            except Exception as exc:
                raise LockError(f"无法为会话加锁：{exc}") from exc
            serving = _now_serving(live)
            if serving == ticket:
                return _ticket_lock(conversation_id, live)
            if serving is None or serving > ticket:  # our own ticket expired while we waited
                raise LockError(f"会话 {conversation_id!r} 的锁等待超时")
            await asyncio.sleep(poll_seconds)

    async def close(self) -> None:
        """Close both Redis connection pools."""
        await self._async_red.close()
        self.red.close()

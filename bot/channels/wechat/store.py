"""Short-lived shared state of the channel: delivery dedup, seen nonces and the choices last offered.

Two interchangeable key-value stores back it: :class:`RedisStore` (``redis.asyncio``), which several Rasa
server processes can share, and :class:`MemoryStore`, bounded and expiring, for a single process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Deletes a key only while it holds the caller's value (a lock or lease released by its owner alone).
COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class KeyValueStore(Protocol):
    """The few atomic operations the channel needs; values are strings, TTLs in seconds."""

    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if it is absent; return whether it was set."""
        ...

    async def get(self, key: str) -> str | None:
        """Return the value of ``key``, or None when absent or expired."""
        ...

    async def set(self, key: str, value: str, ttl: float) -> None:
        """Set ``key`` unconditionally."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        ...

    async def delete_if(self, key: str, value: str) -> None:
        """Remove ``key`` only while it still holds ``value`` (releasing a lock one owns)."""
        ...

    async def keys(self, prefix: str) -> list[str]:
        """The live keys that start with ``prefix`` (without the store's own prefix)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryStore:
    """An in-process store with expiry and a bound on the number of keys.

    Args:
        max_keys: Beyond this, expired keys are purged and then the oldest keys dropped.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(self, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._data)

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            del self._data[key]
            return None
        return item[0]

    def _put(self, key: str, value: str, ttl: float) -> None:
        self._data.pop(key, None)
        self._data[key] = (value, self._clock() + ttl)
        if len(self._data) > self._max_keys:
            now = self._clock()
            for stale in [k for k, (_, expires) in self._data.items() if expires <= now]:
                del self._data[stale]
            while len(self._data) > self._max_keys:
                self._data.popitem(last=False)

    async def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._put(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def delete_if(self, key: str, value: str) -> None:
        if self._live(key) == value:
            del self._data[key]

    async def keys(self, prefix: str) -> list[str]:
        return [key for key in list(self._data) if key.startswith(prefix) and self._live(key) is not None]

    async def close(self) -> None:
        self._data.clear()


class RedisStore:
    """A store in Redis, shared by every process that uses the same URL and prefix.

    Args:
        client: A ``redis.asyncio.Redis`` created with ``decode_responses=True``.
        prefix: Prepended to every key, so several deployments (or tests) can share one Redis.
    """

    def __init__(self, client: Any, prefix: str = "wechat:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "wechat:", timeout: float = 2.0) -> RedisStore:
        """Create the store for ``REDIS_URL`` (no connection is opened until the first command)."""
        import redis.asyncio as redis_asyncio

        client = redis_asyncio.from_url(
            url, decode_responses=True, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        return cls(client, prefix)

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._client.set(self._key(key), value, nx=True, px=max(1, int(ttl * 1000))))

    async def get(self, key: str) -> str | None:
        return await self._client.get(self._key(key))

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._client.set(self._key(key), value, px=max(1, int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self._client.delete(self._key(key))

    async def delete_if(self, key: str, value: str) -> None:
        await self._client.eval(COMPARE_AND_DELETE, 1, self._key(key), value)

    async def keys(self, prefix: str) -> list[str]:
        found = [key async for key in self._client.scan_iter(match=self._key(prefix) + "*", count=500)]
        return [key[len(self._prefix) :] for key in found]

    async def close(self) -> None:
        await self._client.close()


class FailoverStore:
    """Redis while it answers, this process's memory while it does not.

    Chosen behaviour with Redis down: every message is still answered, and deliveries are still
    de-duplicated within this process (WeChat retries reach the same process through a sticky balancer);
    across processes a retry may then run twice. The outage is logged once, its end too.

    Args:
        primary: The shared store (Redis).
        fallback: The in-process store used during an outage.
    """

    def __init__(self, primary: KeyValueStore, fallback: KeyValueStore | None = None) -> None:
        self._primary = primary
        self._fallback = fallback or MemoryStore()
        self.down = False

    async def _call(self, name: str, *args: object) -> object:
        try:
            result = await getattr(self._primary, name)(*args)
        except (OSError, ConnectionError, TimeoutError, _redis_errors()) as exc:
            if not self.down:
                logger.error("Redis 不可用（%s）：微信去重改用本进程内存，直到 Redis 恢复", type(exc).__name__)
            self.down = True
            return await getattr(self._fallback, name)(*args)
        if self.down:
            logger.warning("Redis 已恢复：微信去重重新使用 Redis")
            self.down = False
        return result

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._call("add", key, value, ttl))

    async def get(self, key: str) -> str | None:
        value = await self._call("get", key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._call("set", key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)

    async def delete_if(self, key: str, value: str) -> None:
        await self._call("delete_if", key, value)

    async def keys(self, prefix: str) -> list[str]:
        found = await self._call("keys", prefix)
        return list(found) if isinstance(found, list) else []

    async def close(self) -> None:
        try:
            await self._primary.close()
        finally:
            await self._fallback.close()


def _redis_errors() -> type[Exception]:
    from redis.exceptions import RedisError

    return RedisError


@dataclass(frozen=True)
class Claim:
    """The outcome of :meth:`Deduplicator.begin`.

    ``owner`` is True when this delivery must run the turn; otherwise ``reply`` holds the stored outcome
    (``found`` False means the first delivery neither finished nor released within the wait).
    """

    key: str
    owner: bool = False
    token: str = ""
    found: bool = False
    reply: str | None = None


class Deduplicator:
    """Runs each WeChat delivery once, however many times WeChat retries it.

    The first delivery takes a lock key with expiry; a retry arriving meanwhile polls until the first one
    stores its reply, and a later retry reads the stored reply (kept ``reply_ttl`` seconds).

    Args:
        store: Where locks and replies live.
        lock_ttl: Expiry of the lock, so a crashed process does not block a key for long.
        reply_ttl: How long a reply is kept for retries.
        poll_interval: Seconds between checks while waiting for another delivery.
    """

    def __init__(
        self,
        store: KeyValueStore,
        lock_ttl: float = 30.0,
        reply_ttl: float = 300.0,
        poll_interval: float = 0.05,
    ) -> None:
        self._store = store
        self._lock_ttl = lock_ttl
        self._reply_ttl = reply_ttl
        self._poll_interval = poll_interval

    async def _stored(self, key: str) -> tuple[bool, str | None]:
        raw = await self._store.get(f"reply:{key}")
        if raw is None:
            return False, None
        return True, json.loads(raw)["text"]

    async def begin(self, key: str, wait: float) -> Claim:
        """Claim ``key`` for processing, or obtain the reply of the delivery that holds it.

        Args:
            key: The delivery key (see :attr:`InboundMessage.dedup_key`).
            wait: How long to wait for a delivery already running.
        """
        deadline = time.monotonic() + wait
        announced = False
        while True:
            found, reply = await self._stored(key)
            if found:
                return Claim(key=key, found=True, reply=reply)
            token = uuid.uuid4().hex
            if await self._store.add(f"lock:{key}", token, self._lock_ttl):
                # The holder may have stored its reply and released the lock between our two reads.
                found, reply = await self._stored(key)
                if found:
                    await self._store.delete_if(f"lock:{key}", token)
                    return Claim(key=key, found=True, reply=reply)
                return Claim(key=key, owner=True, token=token)
            if not announced:
                logger.debug("WeChat duplicate delivery %s in progress, waiting for its reply", key)
                announced = True
            if time.monotonic() >= deadline:
                return Claim(key=key)
            await asyncio.sleep(self._poll_interval)

    async def finish(self, claim: Claim, reply: str | None) -> None:
        """Store the reply of an owned delivery (None: the user was answered another way) and unlock."""
        await self._store.set(f"reply:{claim.key}", json.dumps({"text": reply}), self._reply_ttl)
        await self._store.delete_if(f"lock:{claim.key}", claim.token)

    async def release(self, claim: Claim) -> None:
        """Unlock an owned delivery without storing a reply, so a retry may process it."""
        await self._store.delete_if(f"lock:{claim.key}", claim.token)


class ReplayGuard:
    """Refuses a (timestamp, nonce) pair seen before with a different body.

    The same pair with the same body is WeChat retrying and passes.

    Args:
        store: Where seen pairs live.
        ttl: How long a pair is remembered; at least twice the timestamp window, since a timestamp may be
            up to one window ahead of the clock and stay acceptable for one more window.
    """

    def __init__(self, store: KeyValueStore, ttl: float = 600.0) -> None:
        self._store = store
        self._ttl = ttl

    async def admit(self, timestamp: str, nonce: str, body: bytes) -> bool:
        """Record the pair; return False when it was already seen with another body."""
        pair = hashlib.sha256(f"{timestamp}\0{nonce}".encode("utf-8", "surrogatepass")).hexdigest()
        digest = hashlib.sha256(body).hexdigest()
        key = f"nonce:{pair}"
        for _ in range(2):  # a second round covers the pair expiring between add and get
            if await self._store.add(key, digest, self._ttl):
                return True
            seen = await self._store.get(key)
            if seen is not None:
                return hmac.compare_digest(seen, digest)
        return False


class ChoiceMemory:
    """Remembers, per openid, the payloads of the numbered choices last offered.

    Args:
        store: Where the choices live.
        ttl: How long an offer stays answerable by number.
    """

    def __init__(self, store: KeyValueStore, ttl: float = 24 * 3600.0) -> None:
        self._store = store
        self._ttl = ttl

    async def remember(self, openid: str, payloads: Sequence[str]) -> None:
        """Replace the remembered choices (no choices forgets the previous ones)."""
        if payloads:
            await self._store.set(f"choices:{openid}", json.dumps(list(payloads)), self._ttl)
        else:
            await self._store.delete(f"choices:{openid}")

    async def recall(self, openid: str) -> list[str]:
        """Return the payloads last offered to ``openid`` (empty when none)."""
        raw = await self._store.get(f"choices:{openid}")
        return list(json.loads(raw)) if raw else []

"""The WeChat access token shared by every process through Redis: one fetch for all, one refetch on rejection.

A new fetch invalidates the previous token (after about five minutes), so processes that each fetch their own
keep invalidating each other. With this cache the first process to need a token takes a short Redis lock,
fetches and stores it with its expiry; the others wait for it and read it. When WeChat rejects a token
(40001/40014/42001) the process drops it from Redis only if it is still the cached one, so of several
processes rejected at once exactly one fetches anew.

With Redis unreachable the client falls back to its own in-process cache (logged): messages keep flowing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.channels.wechat.store import COMPARE_AND_DELETE

logger = logging.getLogger(__name__)


class RedisTokenCache:
    """The access token of one AppID in Redis.

    Args:
        client: A synchronous ``redis.Redis`` with ``decode_responses=True``.
        appid: The account, part of the keys.
        prefix: Key prefix (tests use their own).
        lock_seconds: Longest time one process may take to fetch before another may try.
        wait_seconds: How long a process waits for another's fetch before fetching itself.
        sleep: The wait function (tests may pass a fast one).
    """

    def __init__(
        self,
        client: Any,
        appid: str,
        prefix: str = "wechat:",
        lock_seconds: float = 10.0,
        wait_seconds: float = 6.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._token_key = f"{prefix}access_token:{appid}"
        self._lock_key = f"{prefix}access_token_lock:{appid}"
        self._lock_seconds = lock_seconds
        self._wait_seconds = wait_seconds
        self._sleep = sleep
        self._delete_if_equal = client.register_script(COMPARE_AND_DELETE)

    @classmethod
    def from_url(cls, url: str, appid: str, prefix: str = "wechat:", timeout: float = 2.0) -> RedisTokenCache:
        """The cache for ``REDIS_URL`` (no connection until first use)."""
        import redis

        client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        return cls(client, appid, prefix)

    def get(self) -> str | None:
        """The shared token, or None when there is none (or it expired)."""
        token = self._client.get(self._token_key)
        return token if isinstance(token, str) else None

    def get_or_fetch(self, fetch: Callable[[], tuple[str, float]]) -> str:
        """The shared token; when there is none, one process calls ``fetch`` (→ token, seconds valid) for all."""
        token = self.get()
        if token:
            return token
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self._wait_seconds
        while True:
            if self._client.set(self._lock_key, owner, nx=True, px=int(self._lock_seconds * 1000)):
                try:
                    token = self.get()  # someone may have stored one just before we took the lock
                    if token:
                        return token
                    token, valid_for = fetch()
                    self._client.set(self._token_key, token, px=max(1000, int(valid_for * 1000)))
                    return token
                finally:
                    self._delete_if_equal(keys=[self._lock_key], args=[owner])
            self._sleep(0.05)
            token = self.get()
            if token:
                return token
            if time.monotonic() > deadline:  # the fetching process seems stuck: fetch ourselves
                token, valid_for = fetch()
                self._client.set(self._token_key, token, px=max(1000, int(valid_for * 1000)))
                return token

    def invalidate(self, token: str) -> None:
        """Drop ``token`` if it is still the shared one (a newer token stays)."""
        self._delete_if_equal(keys=[self._token_key], args=[token])

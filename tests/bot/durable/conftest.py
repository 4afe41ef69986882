"""Fixtures for the durable-state tests: the real Redis on loopback with a key prefix per test."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis on loopback; the test is skipped without it."""
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def lock_prefix(redis_url: str) -> Iterator[str]:
    """A lock-store key prefix unique to the test; its keys are removed afterwards."""
    import redis

    prefix = f"test:lock:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()

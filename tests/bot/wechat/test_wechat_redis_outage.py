"""Redis going away and coming back under the WeChat channel's shared state (a Redis server of the test's own)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import free_port

from bot.channels.wechat.store import Deduplicator, FailoverStore, RedisStore


class OwnRedis:
    """A redis-server on a free loopback port that the test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_deliveries_are_answered_once_through_an_outage_and_after_it(own_redis: OwnRedis) -> None:
    store = FailoverStore(RedisStore.from_url(own_redis.url, prefix="t:", timeout=0.5))
    dedup = Deduplicator(store)

    claim = await dedup.begin("msg-1", wait=0.1)
    assert claim.owner
    await dedup.finish(claim, "<xml>reply 1</xml>")
    assert not store.down

    own_redis.stop()  # Redis goes away: messages are still answered, retries within this process deduplicated
    claim = await dedup.begin("msg-2", wait=0.1)
    assert claim.owner and store.down
    await dedup.finish(claim, "<xml>reply 2</xml>")
    retry = await dedup.begin("msg-2", wait=0.1)
    assert not retry.owner and retry.reply == "<xml>reply 2</xml>"

    own_redis.start()  # back, empty (no persistence): shared state again
    claim = await dedup.begin("msg-3", wait=0.1)
    assert claim.owner and not store.down
    await dedup.finish(claim, "<xml>reply 3</xml>")
    other_process = Deduplicator(FailoverStore(RedisStore.from_url(own_redis.url, prefix="t:", timeout=0.5)))
    retry = await other_process.begin("msg-3", wait=0.1)
    assert not retry.owner and retry.reply == "<xml>reply 3</xml>"
    await store.close()

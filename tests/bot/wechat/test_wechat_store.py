"""Stores, dedup, replay guard and choice memory, in memory and in the real Redis."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.channels.wechat.store import ChoiceMemory, Deduplicator, MemoryStore, RedisStore, ReplayGuard


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    redis_url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    redis_store = RedisStore.from_url(redis_url, prefix=prefix)
    yield redis_store
    await redis_store.close()


async def test_add_get_set_delete(store):
    assert await store.add("k", "v1", 60)
    assert not await store.add("k", "v2", 60)
    assert await store.get("k") == "v1"
    await store.set("k", "v3", 60)
    assert await store.get("k") == "v3"
    await store.delete_if("k", "other")
    assert await store.get("k") == "v3"
    await store.delete_if("k", "v3")
    assert await store.get("k") is None
    await store.set("k", "v", 60)
    await store.delete("k")
    assert await store.get("k") is None


async def test_redis_store_expires(redis_url, redis_prefix):
    redis_store = RedisStore.from_url(redis_url, prefix=redis_prefix)
    try:
        assert await redis_store.add("short", "v", 0.05)
        await asyncio.sleep(0.2)
        assert await redis_store.get("short") is None
    finally:
        await redis_store.close()


def test_memory_store_expiry_and_bound():
    clock = Ticker()
    mem = MemoryStore(max_keys=3, clock=clock)

    async def scenario():
        assert await mem.add("a", "1", 10)
        clock.now = 11
        assert await mem.get("a") is None
        assert await mem.add("a", "2", 10)
        for key in "bcdef":
            await mem.set(key, key, 100)
        assert len(mem) == 3
        assert [await mem.get(k) for k in "abcdef"] == [None, None, None, "d", "e", "f"]

    asyncio.run(scenario())


async def test_dedup_runs_once_and_waiters_get_the_reply(store):
    dedup = Deduplicator(store, poll_interval=0.01)
    first = await dedup.begin("msg:1", wait=5)
    assert first.owner
    waiter = asyncio.create_task(dedup.begin("msg:1", wait=5))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await dedup.finish(first, "答复")
    claim = await waiter
    assert (claim.owner, claim.found, claim.reply) == (False, True, "答复")
    later = await dedup.begin("msg:1", wait=5)
    assert (later.owner, later.reply) == (False, "答复")


async def test_dedup_stores_success_as_none(store):
    dedup = Deduplicator(store)
    claim = await dedup.begin("evt:o:1", wait=1)
    await dedup.finish(claim, None)
    retry = await dedup.begin("evt:o:1", wait=1)
    assert (retry.owner, retry.found, retry.reply) == (False, True, None)


async def test_dedup_waiter_gives_up_after_wait(store):
    dedup = Deduplicator(store, poll_interval=0.01)
    assert (await dedup.begin("msg:2", wait=1)).owner
    claim = await dedup.begin("msg:2", wait=0.05)
    assert (claim.owner, claim.found) == (False, False)


async def test_dedup_release_lets_a_retry_run(store):
    dedup = Deduplicator(store)
    claim = await dedup.begin("msg:3", wait=1)
    await dedup.release(claim)
    assert (await dedup.begin("msg:3", wait=1)).owner


async def test_dedup_lock_expiry_frees_a_crashed_delivery(store):
    dedup = Deduplicator(store, lock_ttl=0.1, poll_interval=0.02)
    assert (await dedup.begin("msg:4", wait=1)).owner
    # The holder never finishes; after the lock expires, a retry takes over.
    assert (await dedup.begin("msg:4", wait=2)).owner


async def test_dedup_many_concurrent_claims_one_owner(store):
    dedup = Deduplicator(store, poll_interval=0.01)
    claims = await asyncio.gather(*(dedup.begin("msg:5", wait=0.2) for _ in range(20)))
    assert sum(c.owner for c in claims) == 1


async def test_replay_guard(store):
    guard = ReplayGuard(store)
    assert await guard.admit("1714036504", "n1", b"body")
    assert await guard.admit("1714036504", "n1", b"body")  # WeChat retrying
    assert not await guard.admit("1714036504", "n1", b"other body")
    assert await guard.admit("1714036504", "n2", b"other body")
    assert await guard.admit("1714036505", "n1", b"other body")


async def test_replay_guard_pairs_do_not_collide_by_concatenation(store):
    guard = ReplayGuard(store)
    assert await guard.admit("17", "14", b"a")
    assert await guard.admit("171", "4", b"b")


async def test_choice_memory(store):
    memory = ChoiceMemory(store)
    assert await memory.recall("o1") == []
    await memory.remember("o1", ["/a", "/b"])
    assert await memory.recall("o1") == ["/a", "/b"]
    assert await memory.recall("o2") == []
    await memory.remember("o1", [])
    assert await memory.recall("o1") == []


def test_memory_store_does_not_grow_without_bound():
    mem = MemoryStore(max_keys=100)
    counter = itertools.count()

    async def scenario():
        for _ in range(1000):
            await mem.set(f"k{next(counter)}", "v", 3600)

    asyncio.run(scenario())
    assert len(mem) == 100

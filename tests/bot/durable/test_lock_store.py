"""The atomic Redis lock store against the real Redis: mutual exclusion across OS processes, expiry, errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.durable.lock_store import AtomicRedisLockStore

ROOT = Path(__file__).resolve().parents[3]
HAMMER = Path(__file__).with_name("lock_hammer.py")


def test_two_processes_hammering_one_conversation_never_overlap(redis_url: str, redis_prefix: str, tmp_path: Path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    rounds = 60
    start_at = time.time() + 3  # both interpreters have imported Rasa by then
    args = [redis_url, redis_prefix, "one-conversation", str(counter), str(rounds), str(start_at)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(HAMMER), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    tickets = [t for r in results for t in r["tickets"]]
    assert len(tickets) == 2 * rounds
    assert len(set(tickets)) == len(tickets), "a ticket number was handed out twice"
    assert sum(r["overlaps"] for r in results) == 0, "two holders were inside the lock at once"
    assert int(counter.read_text()) == 2 * rounds, "an increment made under the lock was lost"
    # Both processes really competed: each was served somewhere in the middle of the other's run.
    first, second = (sorted(r["tickets"]) for r in results)
    assert first[0] < second[-1] and second[0] < first[-1]


def test_rasa_loads_it_from_the_endpoint_config(redis_url: str, redis_prefix: str) -> None:
    store = LockStore.create(
        EndpointConfig(url=redis_url, type="bot.durable.lock_store.AtomicRedisLockStore", key_prefix=redis_prefix)
    )
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == redis_prefix
    assert store.issue_ticket("c1") + 1 == store.issue_ticket("c1")


def test_blocking_interface_serves_the_lowest_live_ticket(redis_url: str, redis_prefix: str) -> None:
    store = AtomicRedisLockStore(url=redis_url, key_prefix=redis_prefix)
    assert store.get_lock("c") is None and not store.is_someone_waiting("c")
    first = store.issue_ticket("c", lock_lifetime=30)
    second = store.issue_ticket("c", lock_lifetime=30)
    lock = store.get_lock("c")
    assert lock is not None and lock.now_serving == first and lock.is_locked(second)
    store.cleanup("c", first)
    lock = store.get_lock("c")
    assert lock is not None and lock.now_serving == second and not lock.is_locked(second)
    store.cleanup("c", second)
    assert store.get_lock("c") is None
    assert store.issue_ticket("c") > second  # numbers never restart while the counter lives


async def test_waiters_are_served_in_ticket_order_one_at_a_time(redis_url: str, redis_prefix: str) -> None:
    store = AtomicRedisLockStore(url=redis_url, key_prefix=redis_prefix)
    inside: list[int] = []
    order: list[int] = []

    async def turn(i: int) -> None:
        async with store.lock("c", lock_lifetime=30):
            inside.append(i)
            assert len(inside) == 1
            order.append(i)
            await asyncio.sleep(0.01)
            inside.remove(i)

    tasks = []
    for i in range(8):
        tasks.append(asyncio.create_task(turn(i)))
        await asyncio.sleep(0.005)  # tickets are issued in creation order
    await asyncio.gather(*tasks)
    assert order == list(range(8))
    assert store.get_lock("c") is None
    await store.close()


async def test_a_dead_holders_ticket_expires_and_the_next_turn_runs(redis_url: str, redis_prefix: str) -> None:
    store = AtomicRedisLockStore(url=redis_url, key_prefix=redis_prefix)
    store.issue_ticket("c", lock_lifetime=0.3)  # issued, never released: its process died
    started = time.monotonic()
    async with store.lock("c", lock_lifetime=30) as lock:
        assert lock.now_serving is not None
    assert time.monotonic() - started >= 0.25
    await store.close()


async def test_a_waiter_whose_ticket_expired_gets_a_lock_error(redis_url: str, redis_prefix: str) -> None:
    store = AtomicRedisLockStore(url=redis_url, key_prefix=redis_prefix)
    store.issue_ticket("c", lock_lifetime=30)  # someone holds the conversation for long
    with pytest.raises(LockError):
        async with store.lock("c", lock_lifetime=0.2):
            pytest.fail("entered the lock while another ticket was being served")
    await store.close()


async def test_redis_unreachable_is_a_lock_error() -> None:
    store = AtomicRedisLockStore(url="redis://127.0.0.1:9/0", socket_timeout=0.5)
    with pytest.raises(LockError):
        store.issue_ticket("c")
    with pytest.raises(LockError):
        async with store.lock("c"):
            pass
    await store.close()

"""One OS process hammering one conversation's lock (run by test_lock_store.py, twice at once).

Inside the lock it does a deliberately racy read-sleep-write of a counter file and claims a Redis key with
SET NX: if two holders ever overlapped, the claim fails or an increment is lost. It prints one JSON line:
the tickets it was issued and the number of overlaps it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import redis

from bot.durable.lock_store import AtomicRedisLockStore


async def hammer(url: str, prefix: str, conversation: str, counter: Path, rounds: int, start_at: float) -> dict:
    store = AtomicRedisLockStore(url=url, key_prefix=prefix)
    probe = redis.Redis.from_url(url)
    tickets: list[int] = []
    overlaps = 0
    while time.time() < start_at:  # both processes start hammering at the same moment
        await asyncio.sleep(0.001)
    for _ in range(rounds):
        async with store.lock(conversation, lock_lifetime=30) as lock:
            tickets.append(lock.now_serving)
            if not probe.set(f"{prefix}holder", "1", nx=True, px=30_000):
                overlaps += 1
            value = int(counter.read_text() or "0")
            await asyncio.sleep(0.002)
            counter.write_text(str(value + 1))
            probe.delete(f"{prefix}holder")
    await store.close()
    probe.close()
    return {"tickets": tickets, "overlaps": overlaps}


def main() -> None:
    url, prefix, conversation, counter, rounds, start_at = sys.argv[1:7]
    result = asyncio.run(hammer(url, prefix, conversation, Path(counter), int(rounds), float(start_at)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

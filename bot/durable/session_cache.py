"""The latest session of recent conversations, kept decrypted in the Rasa process between turns.

Every turn Rasa loads the conversation's latest session from the tracker store, and every save loads it a
second time to find the events it has not yet published to the event broker. On the SQL store each load
fetches, decrypts and parses every row of the session: half of the Rasa process's time under load, growing
with the conversation. This cache keeps, per conversation, the JSON of each stored event of its latest
session exactly as Rasa wrote it, together with the *version* of the conversation in the database: how many
rows it has and its highest row id. A turn asks the database for that version (one indexed query) and uses
the cache only when it is unchanged, so a turn served by another Rasa process, a purge or any other writer
sends the next turn back to the database. Entries expire ``TRACKER_CACHE_SECONDS`` after their last use and
at most ``TRACKER_CACHE_SIZE`` conversations are kept (least recently used first out); 0 turns it off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# (rows of the conversation in the table, their highest id)
Version = tuple[int, int]


@dataclass
class CachedSession:
    """The stored events of one conversation's latest session."""

    events: list[str]  # the JSON of each event, as Rasa serialised it (decrypted), in row order
    version: Version
    used_at: float


class SessionCache:
    """A bounded, expiring map of conversation → :class:`CachedSession` (safe across threads)."""

    def __init__(self, size: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = size
        self._seconds = seconds
        self._clock = clock
        self._entries: OrderedDict[str, CachedSession] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether anything is kept at all."""
        return self._size > 0

    def get(self, sender_id: str, version: Version) -> CachedSession | None:
        """The entry of ``sender_id`` if the database still holds exactly what it was built from."""
        with self._lock:
            entry = self._entries.get(sender_id)
            if entry is None:
                return None
            now = self._clock()
            if entry.version != version or now - entry.used_at > self._seconds:
                del self._entries[sender_id]
                return None
            entry.used_at = now
            self._entries.move_to_end(sender_id)
            return entry

    def put(self, sender_id: str, events: list[str], version: Version) -> None:
        """Remember the latest session of ``sender_id`` as the database holds it at ``version``."""
        if not self.enabled:
            return
        with self._lock:
            self._entries[sender_id] = CachedSession(events, version, self._clock())
            self._entries.move_to_end(sender_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        """Forget ``sender_id`` (its next turn reads the database)."""
        with self._lock:
            self._entries.pop(sender_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

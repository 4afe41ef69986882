"""Retention of conversations in the tracker store: delete those whose last event is older than a cutoff."""

from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from bot.durable.tracker_store import EventRow


def purge_conversations(engine: sa.engine.Engine, older_than: dt.timedelta, now: float | None = None) -> int:
    """Delete every conversation whose newest event is older than ``older_than``; return how many.

    A conversation is removed whole (all its sessions), in one statement per batch, so a conversation that
    receives a message while the purge runs keeps its newest events' sender out of the candidate list.

    Args:
        engine: Engine of the tracker database.
        older_than: The retention period.
        now: Current time in epoch seconds (default: the clock).
    """
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    events = EventRow.__table__
    stale = sa.select(events.c.sender_id).group_by(events.c.sender_id).having(sa.func.max(events.c.timestamp) < cutoff)
    with engine.begin() as conn:
        senders = [row[0] for row in conn.execute(stale)]
        for start in range(0, len(senders), 500):
            batch = senders[start : start + 500]
            still_stale = (
                sa.select(events.c.sender_id)
                .where(events.c.sender_id.in_(batch))
                .group_by(events.c.sender_id)
                .having(sa.func.max(events.c.timestamp) < cutoff)
            )
            conn.execute(sa.delete(events).where(events.c.sender_id.in_(still_stale)))
    return len(senders)

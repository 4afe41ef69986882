"""Where the ingest process reads events from.

Rasa's SQL event broker table (rows are deleted once ingested), a RabbitMQ queue fed by the Pika broker
(messages acknowledged once ingested), and the SQL tracker store's ``events`` table (the backfill).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bot.analytics.ingest import Ingestor

logger = logging.getLogger(__name__)


class SqlBrokerSource:
    """The ``events`` table of Rasa's SQL event broker, read in id order and emptied as it is ingested."""

    def __init__(self, engine: Engine) -> None:
        """Args: engine: the event broker's database."""
        self.engine = engine

    def fetch(self, limit: int = 2000) -> tuple[list[dict[str, Any]], int | None]:
        """Up to ``limit`` events and the highest id among them (``None`` when there are none)."""
        if not inspect(self.engine).has_table("events"):
            return [], None
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, sender_id, data FROM events ORDER BY id LIMIT :limit"), {"limit": limit}
            ).all()
        events = []
        for _id, sender, data in rows:
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                continue
            event.setdefault("sender_id", sender)
            events.append(event)
        return events, (rows[-1][0] if rows else None)

    def acknowledge(self, last_id: int) -> None:
        """Delete the rows up to ``last_id`` (they are in the analytics tables now)."""
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE id <= :last"), {"last": last_id})

    def drain(self, ingestor: Ingestor, limit: int = 2000) -> int:
        """Ingest everything the broker holds now; returns the number of events ingested."""
        total = 0
        while True:
            events, last_id = self.fetch(limit)
            if last_id is None:
                return total
            total += ingestor.apply(events).events
            self.acknowledge(last_id)


class AmqpSource:
    """A RabbitMQ queue bound to the exchange Rasa's Pika broker publishes to."""

    def __init__(self, url: str, queue: str) -> None:
        """Args: url: ``amqp://`` URL; queue: the queue named in the broker's ``queues``."""
        self.url = url
        self.queue_name = queue
        self._connection: Any = None
        self._queue: Any = None

    async def _ensure(self) -> Any:
        if self._queue is None:
            import aio_pika

            self._connection = await aio_pika.connect_robust(self.url, timeout=10)
            channel = await self._connection.channel()
            self._queue = await channel.declare_queue(self.queue_name, durable=True)
        return self._queue

    async def drain(self, ingestor: Ingestor, limit: int = 500) -> int:
        """Ingest what the queue holds now, acknowledging each batch after its transaction committed."""
        queue = await self._ensure()
        total = 0
        while True:
            messages: list[Any] = []
            while len(messages) < limit:
                message = await queue.get(no_ack=False, fail=False, timeout=5)
                if message is None:
                    break
                messages.append(message)
            if not messages:
                return total
            events = []
            for message in messages:
                try:
                    events.append(json.loads(message.body))
                except ValueError:
                    logger.warning("Analytics: dropped a message that is not JSON")
            total += (await asyncio.to_thread(ingestor.apply, events)).events
            for message in messages:
                await message.ack()

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = self._queue = None


def tracker_store_events(
    engine: Engine, batch: int = 5000, reveal: Callable[[str, str], str] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Batches of the events in Rasa's SQL tracker store (its ``events`` table), oldest first.

    Args:
        engine: the tracker store's database.
        batch: rows read at a time.
        reveal: ``(stored JSON, sender id) → event JSON`` for a store that encrypts what it keeps
            (:meth:`bot.durable.tracker_store.EventCodec.reveal`); events it cannot open are skipped.

    Raises:
        LookupError: the database has no tracker store table.
    """
    if not inspect(engine).has_table("events"):
        raise LookupError("events")
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, sender_id, data FROM events WHERE id > :last ORDER BY id LIMIT :batch"),
                {"last": last, "batch": batch},
            ).all()
        if not rows:
            return
        events = []
        for _id, sender, data in rows:
            try:
                event = json.loads(reveal(data, sender) if reveal else data)
            except (TypeError, ValueError):  # CryptoError is a ValueError: a key this process does not have
                logger.warning("Backfill: skipped an event that could not be read")
                continue
            if isinstance(event, dict):
                event.setdefault("sender_id", sender)
                events.append(event)
        last = rows[-1][0]
        yield events


def backfill(ingestor: Ingestor, tracker_engine: Engine, reveal: Callable[[str, str], str] | None = None) -> int:
    """Ingest every event of the tracker store; running it again adds nothing. Returns the events seen."""
    total = 0
    for events in tracker_store_events(tracker_engine, reveal=reveal):
        total += ingestor.apply(events).events
    return total

"""The event broker named in ``endpoints.yml``: Rasa's SQL or Pika broker, fed redacted events.

``EVENT_BROKER_URL`` picks the broker: an ``amqp://user:password@host:port/vhost`` URL selects Rasa's
:class:`~rasa.core.brokers.pika.PikaEventBroker` (RabbitMQ, production), any SQLAlchemy URL Rasa's
:class:`~rasa.core.brokers.sql.SQLEventBroker` (default: the SQLite file ``var/events.db``). Every event is
passed through :func:`bot.analytics.redact.redact_event` first, so no ID number or phone number is ever
written to the broker's table or queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot import settings as settings_mod
from bot.analytics.redact import Redactor

logger = logging.getLogger(__name__)


def is_amqp(url: str) -> bool:
    """Whether ``url`` names a RabbitMQ server."""
    return url.startswith(("amqp://", "amqps://"))


def amqp_parts(url: str) -> dict[str, Any]:
    """Host, port, user and password of an ``amqp://`` URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5672,
        "username": unquote(parts.username or "guest"),
        "password": unquote(parts.password or "guest"),
    }


def sql_broker_kwargs(url: str) -> dict[str, Any]:
    """The arguments of Rasa's :class:`SQLEventBroker` for a SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


_STOP = object()
MAX_BATCH = 500


class BackgroundSQLWriter:
    """Writes a :class:`SQLEventBroker`'s events from one thread, many per transaction.

    Rasa publishes events from its event loop, and the SQL broker commits once per event: on SQLite that is a
    file sync per event, and under load it took most of the Rasa process's time with every conversation
    waiting on it. Here the event loop only queues the event; one thread writes what has queued up in a single
    transaction, the same rows in the same order as the broker's own ``publish``.
    """

    def __init__(self, broker: Any, max_batch: int = MAX_BATCH) -> None:
        """Start the writer thread for ``broker`` (a :class:`rasa.core.brokers.sql.SQLEventBroker`)."""
        self.broker = broker
        self.max_batch = max_batch
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="analytics-events", daemon=True)
        self.thread.start()

    def put(self, event: dict[str, Any]) -> None:
        """Queue ``event`` for writing."""
        self.queue.put(event)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self.queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            try:
                self._write(batch)
            except Exception:
                logger.exception("%d analytics events could not be written to the SQL event broker", len(batch))

    def _write(self, batch: list[dict[str, Any]]) -> None:
        # One INSERT for the batch: the ORM's unit of work (an object per event) held the GIL the event loop needs.
        rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in batch]
        with self.broker.session_scope() as session:
            session.execute(self.broker.SQLBrokerEvent.__table__.insert(), rows)
            session.commit()

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        self.queue.put(_STOP)
        self.thread.join(timeout)


class RedactingEventBroker(EventBroker):
    """Publishes every event, redacted, to the Rasa broker chosen by ``EVENT_BROKER_URL``."""

    def __init__(self, inner: EventBroker, writer: BackgroundSQLWriter | None = None) -> None:
        """Wrap ``inner``, the broker that actually stores or sends the events (through ``writer`` if given)."""
        self.inner = inner
        self.writer = writer
        self.redactor = Redactor()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: asyncio.AbstractEventLoop | None = None
    ) -> RedactingEventBroker:
        """Build the inner broker from the settings (``endpoints.yml`` only names this class)."""
        cfg = settings_mod.load()
        url = cfg.event_broker_url
        if is_amqp(url):
            import rasa.shared.core.events  # noqa: F401  (Rasa's Pika broker uses it without importing it)
            from rasa.core.brokers.pika import PikaEventBroker

            inner: EventBroker = PikaEventBroker(
                **amqp_parts(url), queues=[cfg.analytics_queue], event_loop=event_loop or asyncio.get_event_loop()
            )
            await inner.connect()  # type: ignore[attr-defined]
            logger.info("Analytics events go to RabbitMQ queue %s", cfg.analytics_queue)
        else:
            from rasa.core.brokers.sql import SQLEventBroker

            inner = SQLEventBroker(**sql_broker_kwargs(url))
            logger.info("Analytics events go to the SQL event broker")
            return cls(inner, BackgroundSQLWriter(inner))
        return cls(inner)

    def publish(self, event: dict[str, Any]) -> None:
        """Publish the redacted event (events the dashboard does not use are not published at all)."""
        redacted = self.redactor.redact(event)
        if redacted is None:
            return
        if self.writer is not None:
            self.writer.put(redacted)
        else:
            self.inner.publish(redacted)

    def is_ready(self) -> bool:
        """Whether the inner broker is ready."""
        return self.inner.is_ready()

    async def close(self) -> None:
        """Write what is still queued, then close the inner broker."""
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
        await self.inner.close()

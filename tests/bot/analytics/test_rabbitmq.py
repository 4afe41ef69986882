"""Production path: Rasa's Pika broker → RabbitMQ (127.0.0.1:5672) → the ingest process, redacted on the way."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import uuid

import pytest
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select, text

from bot.analytics.broker import RedactingEventBroker
from bot.analytics.ingest import Ingestor
from bot.analytics.sources import AmqpSource
from bot.analytics.tables import AnalyticsTurn

from .test_ingest import ID_NUMBER, PHONE, T0, assert_no_personal_data, conversation

AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def _rabbitmq_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError:
        return False
    return True


async def test_events_go_through_rabbitmq_redacted_and_are_ingested_once(case_db, monkeypatch) -> None:
    if not _rabbitmq_up():
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    import aio_pika

    _url, engine = case_db
    queue = f"test_analytics_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("EVENT_BROKER_URL", AMQP)
    monkeypatch.setenv("ANALYTICS_QUEUE", queue)
    broker = await RedactingEventBroker.from_endpoint_config(EndpointConfig(), asyncio.get_running_loop())
    try:
        for event in conversation("rabbit-user", T0):
            broker.publish(event)
        await asyncio.sleep(1)  # the Pika broker publishes in background tasks
        # What sits in the queue is already redacted.
        connection = await aio_pika.connect_robust(AMQP)
        channel = await connection.channel()
        peeked = await (await channel.declare_queue(queue, durable=True)).get(no_ack=False, timeout=5)
        assert peeked is not None
        body = peeked.body.decode()
        await peeked.nack(requeue=True)
        await connection.close()
        assert ID_NUMBER not in body and PHONE not in body
        source = AmqpSource(AMQP, queue)
        ingestor = Ingestor(engine, lambda s: hashlib.sha256(s.encode()).hexdigest())
        deadline = asyncio.get_running_loop().time() + 30
        total = 0
        while total < 15 and asyncio.get_running_loop().time() < deadline:
            total += await source.drain(ingestor)
        assert total == 15
        assert await source.drain(ingestor) == 0  # acknowledged: nothing is delivered twice
        await source.close()
    finally:
        await broker.close()
        connection = await aio_pika.connect_robust(AMQP)
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await connection.close()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AnalyticsTurn)).scalar_one() == 3
        assert conn.execute(text("SELECT COUNT(*) FROM analytics_conversations WHERE handed_off")).scalar_one() == 1
        assert_no_personal_data(conn, (ID_NUMBER, PHONE, "rabbit-user"))

"""The SQL event broker's events are written off Rasa's event loop, all of them, redacted and in order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import create_engine, text

from bot.analytics.broker import BackgroundSQLWriter, RedactingEventBroker
from bot.analytics.redact import redact_event

from .test_ingest import ID_NUMBER, PHONE, T0, conversation


async def test_sql_events_are_queued_and_all_written_on_close(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    monkeypatch.setenv("EVENT_BROKER_URL", url)
    broker = await RedactingEventBroker.from_endpoint_config(EndpointConfig(), asyncio.get_running_loop())
    assert isinstance(broker.writer, BackgroundSQLWriter)
    events = list(conversation("writer-user", T0)) * 20
    for event in events:
        broker.publish(event)
    await broker.close()
    assert not broker.writer.thread.is_alive()
    expected = [r for r in (redact_event(e) for e in events) if r is not None]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = [json.loads(d) for (d,) in conn.execute(text("SELECT data FROM events ORDER BY id"))]
    finally:
        engine.dispose()
    assert rows == expected
    assert all(ID_NUMBER not in json.dumps(r) and PHONE not in json.dumps(r) for r in rows)


def test_a_failed_batch_is_logged_and_the_writer_goes_on(caplog) -> None:
    class Broken:
        def session_scope(self):
            raise RuntimeError("disk full")

    writer = BackgroundSQLWriter(Broken())
    writer.put({"event": "user", "sender_id": "x"})
    writer.close()
    assert not writer.thread.is_alive()
    assert "could not be written" in caplog.text

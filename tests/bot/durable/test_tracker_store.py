"""The protected SQL tracker store on real SQLite and PostgreSQL: nothing personal in clear, exact resume."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from loopback import postgres_schema
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.durable import tracker_store as ts
from bot.durable.health import health_report

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER, PHONE = "371302198503120427", "17000000001"


def _registration_tracker(sender: str, domain: Domain) -> DialogueStateTracker:
    """Events of a registration that has its ID number, phone and name."""
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(
            f"我的身份证是{ID_NUMBER}",
            intent={"name": "inform", "confidence": 0.9},
            entities=[{"entity": "id_number", "value": ID_NUMBER, "start": 6, "end": 24}],
        ),
        SlotSet("id_number", ID_NUMBER),
        BotUttered("请告诉我您的手机号码。"),
        ActionExecuted("action_listen"),
        UserUttered(PHONE, intent={"name": "inform", "confidence": 0.9}),
        SlotSet("phone", PHONE),
        SlotSet("person_name", "测试王芳"),
        SlotSet("county", "兰山区"),
        BotUttered(f"已记录手机号 {PHONE}。"),
        ActionExecuted("action_listen"),
    ]
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def _raw_rows(url: str) -> list[tuple[str, str, str | None]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT sender_id, type_name, data FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


async def test_rows_hold_no_id_or_phone_and_the_tracker_comes_back_exactly(db_url, cfg, domain) -> None:
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    tracker = _registration_tracker("u1", domain)
    await store.save(tracker)

    rows = _raw_rows(db_url)
    assert len(rows) == len(tracker.events)
    stored = "\n".join(data for _, _, data in rows)
    for secret in (ID_NUMBER, PHONE, "测试王芳", ID_NUMBER[-6:]):
        assert secret not in stored
    assert "兰山区" in stored and "inform" in stored  # what is not personal stays readable for analytics

    # A new process (new store, same key) resumes the very same conversation.
    again = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    full = await again.retrieve_full_tracker("u1")
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in tracker.events]
    restored = await again.retrieve("u1")
    assert restored.get_slot("id_number") == ID_NUMBER and restored.get_slot("phone") == PHONE
    assert restored.latest_message.text == PHONE


async def test_a_row_copied_to_another_conversation_does_not_decrypt(cfg, domain, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=url, settings=cfg)
    await store.save(_registration_tracker("owner", domain))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE events SET sender_id = 'thief'"))
    with pytest.raises(ts.TrackerDecryptionError):
        await store.retrieve("thief")


async def test_new_events_are_appended_not_rewritten(cfg, domain, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=url, settings=cfg)
    tracker = _registration_tracker("u2", domain)
    await store.save(tracker)
    rows = _raw_rows(url)
    tracker = await store.retrieve("u2")
    tracker.update(UserUttered("沂南", intent={"name": "inform", "confidence": 0.8}))
    await store.save(tracker)
    assert _raw_rows(url)[: len(rows)] == rows and len(_raw_rows(url)) == len(rows) + 1
    assert (await store.retrieve("u2")).latest_message.text == "沂南"


def test_indexes_rasa_does_not_create_exist(db_url, cfg, domain) -> None:
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    names = {index["name"] for index in sa.inspect(store.engine).get_indexes("events")}
    assert {"ix_events_sender_id_timestamp", "ix_events_sender_id_type_name_timestamp", "ix_events_timestamp"} <= names


def test_pool_is_sized_on_purpose_with_pre_ping(db_url, cfg, domain) -> None:
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    if store.engine.dialect.name == "postgresql":
        assert store.engine.pool.size() == cfg.tracker_pool_size
        assert store.engine.pool._max_overflow == cfg.tracker_max_overflow
        assert store.engine.pool._pre_ping
    else:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


async def test_database_failure_is_counted_and_reported_through_rasas_fail_safe(cfg, domain, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=url, settings=cfg)
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store), lock_store=None)
    await agent.tracker_store.save(_registration_tracker("ok", domain))
    status, body = health_report(agent)
    assert status == 200 and body["tracker_store"]["in_use"] == "ProtectedSQLTrackerStore"

    before = ts.HEALTH.failures
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    await agent.tracker_store.save(_registration_tracker("lost", domain))  # Rasa keeps it in memory, silently
    assert await agent.tracker_store.retrieve("ok") is None  # ... and starts a fresh conversation
    assert ts.HEALTH.failures == before + 2
    status, body = health_report(agent)
    assert status == 503 and body["status"] == "degraded" and body["tracker_store"]["state"] == "failing"


def test_health_reports_a_store_rasa_replaced_by_memory() -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore

    status, body = health_report(SimpleNamespace(tracker_store=FailSafeTrackerStore(InMemoryTrackerStore(None))))
    assert status == 503 and body["tracker_store"]["state"] == "memory"


async def test_postgresql_connections_dropped_under_the_pool_cost_no_failed_turn(cfg, domain, pg_base_url) -> None:
    """What a PostgreSQL restart does to idle pooled connections: pre-ping replaces them before use."""
    admin = sa.create_engine(pg_base_url)
    with postgres_schema(pg_base_url, "tracker") as url:
        store = ts.ProtectedSQLTrackerStore(domain=domain, host=url, settings=cfg)
        await store.save(_registration_tracker("pg-restart", domain))
        with store.engine.connect() as conn:
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with admin.begin() as conn:  # the server side of the pooled connection goes away
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        failures = ts.HEALTH.failures
        restored = await store.retrieve("pg-restart")
        assert restored is not None and restored.get_slot("phone") == PHONE
        assert ts.HEALTH.failures == failures
        store.engine.dispose()
    admin.dispose()

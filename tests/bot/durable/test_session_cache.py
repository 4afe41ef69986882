"""The tracker store's session cache: a turn reads no event rows, yet sees every other writer, as Rasa would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event

from bot import crypto
from bot import settings as settings_mod
from bot.durable import tracker_store as ts
from bot.durable.session_cache import SessionCache

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def loaded_rows() -> Iterator[list[str]]:
    """The sender of every event row the ORM loads while the test runs."""
    seen: list[str] = []

    def count(target, _context) -> None:
        seen.append(target.sender_id)

    sa_event.listen(ts.EventRow, "load", count)
    yield seen
    sa_event.remove(ts.EventRow, "load", count)


class Broker:
    """An event broker that keeps what it is given."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def _turn(tracker: DialogueStateTracker, text: str, reply: str) -> None:
    tracker.update(UserUttered(text, intent={"name": "inform", "confidence": 0.9}))
    tracker.update(SlotSet("county", "兰山区"))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(reply))
    tracker.update(ActionExecuted("action_listen"))


def _started(sender: str, domain: Domain) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def _dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def _timeless(events: list[dict]) -> list[dict]:
    """The events without their times (the two stores' trackers were built a moment apart)."""
    return [{k: v for k, v in event.items() if k != "timestamp"} for event in events]


async def test_a_turn_reads_no_event_rows_after_the_first(db_url, cfg, domain, loaded_rows) -> None:
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    tracker = _started("u1", domain)
    await store.save(tracker)
    await store.retrieve("u1")  # a new session is read from the database once
    assert loaded_rows
    loaded_rows.clear()
    for n in range(3):
        tracker = await store.retrieve("u1")
        _turn(tracker, f"第{n}句 我的电话13800001111", "好的")
        await store.save(tracker)
    assert loaded_rows == []  # every later retrieve and save was served by the cache
    # The rows are what Rasa's own store would read back, decrypted by a store with an empty cache.
    fresh = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    assert _dicts(await fresh.retrieve("u1")) == _dicts(await store.retrieve("u1")) == _dicts(tracker)
    assert len(loaded_rows) == len(tracker.events)


async def test_a_turn_another_process_served_is_read_from_the_database(db_url, cfg, domain) -> None:
    one = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    other = ts.ProtectedSQLTrackerStore(domain=domain, host=db_url, settings=cfg)
    await one.save(_started("u2", domain))
    tracker = await one.retrieve("u2")
    _turn(tracker, "第一句", "一")
    await one.save(tracker)

    elsewhere = await other.retrieve("u2")  # the next turn lands on another Rasa process
    _turn(elsewhere, "第二句", "二")
    await other.save(elsewhere)

    back = await one.retrieve("u2")
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["第一句", "第二句"]
    _turn(back, "第三句", "三")
    await one.save(back)
    assert _dicts(await other.retrieve("u2")) == _dicts(back)


async def test_rows_removed_elsewhere_are_not_served_from_memory(cfg, domain, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=url, settings=cfg)
    tracker = _started("u3", domain)
    _turn(tracker, "你好", "您好")
    await store.save(tracker)
    assert await store.retrieve("u3") is not None
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # e.g. the retention purge
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = 'u3'"))
    engine.dispose()
    assert await store.retrieve("u3") is None


async def test_unsaved_changes_to_a_retrieved_tracker_are_not_kept(cfg, domain, tmp_path) -> None:
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 't.db'}", settings=cfg)
    await store.save(_started("u4", domain))
    tracker = await store.retrieve("u4")
    stored = _dicts(tracker)
    _turn(tracker, "这一轮失败了", "—")  # e.g. an exception before Rasa saved the turn
    assert _dicts(await store.retrieve("u4")) == stored


async def test_same_trackers_and_broker_events_as_rasas_own_store(cfg, domain, tmp_path) -> None:
    """Every retrieve (also after a new session starts) and every published event equal Rasa's SQL store's."""
    ours_broker, rasas_broker = Broker(), Broker()
    ours = ts.ProtectedSQLTrackerStore(
        domain=domain, host=f"sqlite:///{tmp_path / 'ours.db'}", settings=cfg, event_broker=ours_broker
    )
    rasas = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "rasa.db"), event_broker=rasas_broker)
    for store in (ours, rasas):
        await store.save(_started("u5", domain))
    trackers = {}
    for n in range(4):
        for name, store in (("ours", ours), ("rasas", rasas)):
            tracker = await store.retrieve("u5")
            if n == 2:  # the session expired: Rasa starts a new one on the same tracker
                tracker.update(ActionExecuted("action_session_start"))
                tracker.update(SessionStarted())
                tracker.update(ActionExecuted("action_listen"))
            _turn(tracker, f"第{n}句", f"回复{n}")
            await store.save(tracker)
            trackers[name] = _timeless(_dicts(await store.retrieve("u5")))
        assert trackers["ours"] == trackers["rasas"]
    assert sum(e["event"] == "session_started" for e in trackers["ours"]) == 1  # only the latest session
    assert _timeless(ours_broker.published) == _timeless(rasas_broker.published)
    assert ours_broker.published  # the broker did get the turns


async def test_without_a_cache_every_turn_reads_the_rows(domain, tmp_path, loaded_rows) -> None:
    cfg = settings_mod.load({"CASE_DATA_KEY": crypto.generate_key(), "TRACKER_CACHE_SIZE": "0"})
    store = ts.ProtectedSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 't.db'}", settings=cfg)
    await store.save(_started("u6", domain))
    tracker = await store.retrieve("u6")
    _turn(tracker, "你好", "您好")
    await store.save(tracker)
    assert _dicts(await store.retrieve("u6")) == _dicts(tracker)
    assert loaded_rows.count("u6") == 2 + len(tracker.events)  # the session's two rows, then all of them


def test_cache_keeps_the_most_recent_conversations_for_a_while() -> None:
    now = [0.0]
    cache = SessionCache(size=2, seconds=60, clock=lambda: now[0])
    cache.put("a", ["{}"], (1, 1))
    cache.put("b", ["{}"], (1, 2))
    assert cache.get("a", (1, 1)) is not None  # a is now the most recent
    cache.put("c", ["{}"], (1, 3))
    assert cache.get("b", (1, 2)) is None and len(cache) == 2
    assert cache.get("a", (2, 4)) is None  # the database moved on: gone
    now[0] = 61
    assert cache.get("c", (1, 3)) is None  # expired
    assert not SessionCache(size=0, seconds=60).enabled

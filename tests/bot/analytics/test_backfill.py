"""Backfill from Rasa's own SQL tracker store: what was said before the broker existed reaches the figures once."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select, text

from bot.analytics.ingest import Ingestor
from bot.analytics.sources import backfill
from bot.analytics.tables import AnalyticsConversation, AnalyticsTurn

from .test_ingest import ID_NUMBER, PHONE, T0, assert_no_personal_data


def _question(start: float, text: str) -> list[Any]:
    """A session in which the user asks about 公益性岗位 over WeChat and the assistant answers."""
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.01),
        UserUttered(
            text,
            intent={"name": "ask_public_welfare_post", "confidence": 0.93},
            input_channel="wechat",
            timestamp=start + 1,
        ),
        BotUttered("【公益性岗位】……", timestamp=start + 1.4),
    ]


async def test_backfill_reads_the_tracker_store_and_is_idempotent(case_db, tmp_path: Path) -> None:
    _url, engine = case_db
    tracker_db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    for n, sender in enumerate(("old-1", "old-2")):
        start = T0 + n * 600
        events = _question(start, f"我的身份证{ID_NUMBER}手机{PHONE}，公益岗签几年")
        events[3:3] = [
            ActionExecuted("action_answer_policy", timestamp=start + 1.1),
            SlotSet("phone", PHONE, timestamp=start + 1.15),
            SlotSet("last_clause", "linrenshezi-2021-88#七", timestamp=start + 1.2),
        ]
        events.append(ActionExecuted("action_listen", timestamp=start + 1.5))
        await store.save(DialogueStateTracker.from_events(sender, events))
    tracker_engine = create_engine(f"sqlite:///{tracker_db}")
    ingestor = Ingestor(engine, lambda s: hashlib.sha256(s.encode()).hexdigest())
    try:
        assert backfill(ingestor, tracker_engine) > 0
        backfill(ingestor, tracker_engine)  # again: nothing new
    finally:
        tracker_engine.dispose()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AnalyticsTurn)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(AnalyticsConversation)).scalar_one() == 2
        assert conn.execute(text("SELECT SUM(turns) FROM analytics_daily_clauses")).scalar_one() == 2
        assert conn.execute(text("SELECT MIN(response_ms) FROM analytics_turns")).scalar_one() == 400
        assert_no_personal_data(conn, (ID_NUMBER, PHONE, "old-1", "old-2"))


async def test_backfill_defaults_to_the_encrypted_tracker_store_and_reads_its_texts(case_db, tmp_path: Path) -> None:
    from bot import crypto
    from bot import settings as settings_mod
    from bot.analytics.cli import run_backfill
    from bot.durable.tracker_store import ProtectedSQLTrackerStore

    url, engine = case_db
    tracker_url = f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    cfg = settings_mod.load({"CASE_DATA_KEY": crypto.generate_key(), "CASE_DB_URL": url, "TRACKER_DB_URL": tracker_url})
    store = ProtectedSQLTrackerStore(domain=Domain.empty(), settings=cfg)
    events = _question(T0, f"身份证{ID_NUMBER}，公益岗签几年")
    await store.save(DialogueStateTracker.from_events("enc-1", events))
    store.engine.dispose()
    assert ID_NUMBER not in (tmp_path / "var" / "tracker.db").read_bytes().decode("utf-8", "replace")
    assert "已从对话记录补录" in run_backfill(cfg, cfg.tracker_db_url)
    with engine.connect() as conn:
        texts = conn.execute(select(AnalyticsTurn.text_masked)).scalars().all()
        # The stored text is a ciphertext: read without the key, the figures would hold that instead.
        assert len(texts) == 1 and "公益岗签几年" in texts[0]
        assert_no_personal_data(conn, (ID_NUMBER, "enc-1"))

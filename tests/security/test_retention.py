"""Retention: personal data past its period is anonymised or deleted, in the database file too."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from bot import crypto
from bot.cases import make_store, sealed
from bot.cases.admin import migrate_and_seed
from bot.cases.models import Person
from bot.cases.records import AccessContext
from bot.cases.retention import RetentionPeriods, purge
from bot.cases.sql_store import build_engine
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "kret:" + "B" * 43
ZHAO = ("371324197809260442", "17000000003", "测试赵秀兰")  # only closed items (approved application)
LI = ("371321199207081535", "17000000002", "测试李强")  # an open registration (in review)
OLD = "2020-01-01 00:00:00"


def _age_everything(url: str) -> None:
    engine = build_engine(url)
    with engine.begin() as conn:
        for table in ("persons", "job_seeking_registrations", "transport_requests", "training_enrolments",
                      "subsidy_applications", "handoff_requests", "identity_limits"):  # fmt: skip
            conn.execute(text(f"UPDATE {table} SET updated_at = :old"), {"old": OLD})
        conn.execute(text("UPDATE audit_log SET at = :old"), {"old": OLD})
        conn.execute(text("UPDATE identity_attempts SET at = :old"), {"old": OLD})
    engine.dispose()


def _tracker(path: Path) -> str:
    """A tracker-store table shaped like Rasa's SQLTrackerStore ``events``: one stale and one live conversation."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL, data TEXT)"
        )
        now = dt.datetime.now(dt.timezone.utc).timestamp()
        rows = [
            ("rest:old", "user", now - 200 * 86400, '{"text": "' + ZHAO[0] + '"}'),
            ("rest:live", "user", now - 200 * 86400, '{"text": "早先的消息"}'),
            ("rest:live", "user", now - 60, '{"text": "刚才的消息"}'),
        ]
        conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)", rows)
    return f"sqlite:///{path}"


def test_purge_anonymises_closed_old_cases_and_deletes_old_audit_rows(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    url = f"sqlite:///{db}"
    cipher = crypto.DataCipher.from_strings(KEY)
    migrate_and_seed(url, cipher=cipher)
    store = make_store(Settings(case_db_url=url, case_data_key=KEY))
    assert store.verify_person(ZHAO[0], ZHAO[1], access=AccessContext("rest:z", "rest", "查询")) is not None
    store.close()
    _age_everything(url)
    tracker = _tracker(tmp_path / "tracker.db")

    periods = RetentionPeriods(case_days=365, audit_days=180, conversation_days=90)
    counts = purge(url, periods, tracker_db_url=tracker, cipher=cipher)

    assert counts["persons_anonymised"] >= 1 and counts["audit_log"] >= 1 and counts["identity_attempts"] >= 1
    assert counts["conversations"] == 1
    engine = sealed.attach(build_engine(url), cipher)
    with engine.connect() as conn:
        names = set(conn.execute(select(Person.name)).scalars())
    engine.dispose()
    assert ZHAO[2] not in names and "已匿名" in names
    assert LI[2] in names  # an open registration keeps its person
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] >= 5  # rows stay for the statistics
    raw = db.read_bytes()
    assert ZHAO[0].encode() not in raw and ZHAO[1].encode() not in raw and ZHAO[2].encode("utf-8") not in raw
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        assert {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")} == {"rest:live"}
        assert conn.execute("SELECT count(*) FROM events WHERE sender_id = 'rest:live'").fetchone()[0] == 2


def test_make_purge_command_reports_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate_and_seed(url)
    _age_everything(url)
    env = dict(os.environ, CASE_DB_URL=url, RETENTION_CASE_DAYS="365", TRACKER_DB_URL=f"sqlite:///{tmp_path}/none.db")
    first = subprocess.run([sys.executable, "-m", "bot", "purge"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("保留期清理完成：匿名化 ") and "案件 365 天" in first.stdout
    again = subprocess.run([sys.executable, "-m", "bot", "purge"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "匿名化 0 人" in again.stdout

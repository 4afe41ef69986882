"""Redaction, idempotent ingest and the daily tables, checked against direct SQL over the turns."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from sqlalchemy import func, select, text

from bot.analytics.case_figures import take_snapshot
from bot.analytics.ingest import Ingestor, day_of, latency_bucket
from bot.analytics.redact import PERSONAL_ANSWER, redact_event
from bot.analytics.tables import AnalyticsConversation, AnalyticsDaily, AnalyticsTurn

KEY = b"test-analytics-key"


def sender_hash(sender_id: str) -> str:
    return hmac.new(KEY, sender_id.encode(), hashlib.sha256).hexdigest()


ID_NUMBER = "371302198503120427"
PHONE = "13912345678"
CLAUSE = "lrs-2021-88#七"
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc).timestamp()


def user(sender: str, ts: float, text_: str, intent: str, confidence: float = 0.9, channel: str = "rest") -> dict:
    return {
        "event": "user",
        "sender_id": sender,
        "timestamp": ts,
        "text": text_,
        "input_channel": channel,
        "message_id": f"m{ts}",
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": "id_number", "value": ID_NUMBER}],
            "text": text_,
        },
        "metadata": {"phone": PHONE},
    }


def conversation(sender: str, start: float, channel: str = "rest") -> list[dict[str, Any]]:
    """A session with a policy answer, an unclear message, an ID number and a handoff."""
    return [
        {"event": "action", "sender_id": sender, "timestamp": start, "name": "action_session_start"},
        {"event": "session_started", "sender_id": sender, "timestamp": start + 0.001},
        user(sender, start + 1, "公益岗合同签几年", "ask_public_welfare_post", channel=channel),
        {"event": "action", "sender_id": sender, "timestamp": start + 1.01, "name": "action_answer_policy"},
        {
            "event": "slot",
            "sender_id": sender,
            "timestamp": start + 1.02,
            "name": "last_clause",
            "value": "lrs-2021-88#七",
        },
        {"event": "bot", "sender_id": sender, "timestamp": start + 1.2, "text": "【公益性岗位】……"},
        {"event": "action", "sender_id": sender, "timestamp": start + 1.21, "name": "action_listen"},
        user(sender, start + 10, f"我身份证{ID_NUMBER}电话{PHONE}那个咋办", "nlu_fallback", 0.3, channel),
        {"event": "action", "sender_id": sender, "timestamp": start + 10.01, "name": "action_clarify"},
        {"event": "bot", "sender_id": sender, "timestamp": start + 10.05, "text": "您想问的是哪一项？"},
        {"event": "slot", "sender_id": sender, "timestamp": start + 10.06, "name": "id_number", "value": ID_NUMBER},
        {"event": "slot", "sender_id": sender, "timestamp": start + 10.07, "name": "county", "value": "沂南县"},
        user(sender, start + 20, "转人工", "request_human", channel=channel),
        {"event": "action", "sender_id": sender, "timestamp": start + 20.01, "name": "action_offer_human"},
        {"event": "bot", "sender_id": sender, "timestamp": start + 20.5, "text": "已为您登记人工服务"},
    ]


def test_redaction_keeps_what_the_dashboard_needs_only() -> None:
    redacted = redact_event(user("s", T0, f"身份证{ID_NUMBER}手机{PHONE}", "inform"))
    assert redacted is not None
    flat = repr(redacted)
    assert ID_NUMBER not in flat and PHONE not in flat and "entities" not in flat and "metadata" not in flat
    assert redacted["parse_data"]["intent"]["name"] == "inform"
    assert redact_event({"event": "slot", "name": "phone", "value": PHONE, "sender_id": "s"})["value"] is None
    assert redact_event({"event": "slot", "name": "county", "value": "费县", "sender_id": "s"})["value"] == "费县"
    assert redact_event({"event": "bot", "text": f"您的手机 {PHONE}", "sender_id": "s"}).get("text") is None
    assert redact_event({"event": "user_featurization", "sender_id": "s"}) is None


def test_an_answer_to_a_personal_question_is_not_kept(case_db) -> None:
    _url, engine = case_db

    def asked(slot: str, ts: float) -> dict:
        return {"event": "slot", "sender_id": "reg", "timestamp": ts, "name": "requested_slot", "value": slot}

    events = [
        {"event": "session_started", "sender_id": "reg", "timestamp": T0},
        asked("person_name", T0 + 1),
        user("reg", T0 + 2, "张测试", "inform"),
        asked("county", T0 + 3),
        user("reg", T0 + 4, "沂南", "inform"),
    ]
    Ingestor(engine, sender_hash).apply(events)
    with engine.connect() as conn:
        texts = conn.execute(select(AnalyticsTurn.text_masked).order_by(AnalyticsTurn.ts)).scalars().all()
    # A name has no pattern to mask: the message that answered "您的姓名" is not stored at all.
    assert texts == [PERSONAL_ANSWER, "沂南"]


def test_latency_buckets_are_ten_percent_steps() -> None:
    assert latency_bucket(5) == 0 and latency_bucket(10) == 10
    assert latency_bucket(200) <= 200 < latency_bucket(200) * 1.1 + 1
    assert latency_bucket(1999) < latency_bucket(2300)


def test_ingest_is_idempotent_and_daily_figures_match_the_turns(case_db) -> None:
    _url, engine = case_db
    events = conversation("alice", T0) + conversation("bob", T0 + 3600, channel="wechat")
    events += [user("carol", T0 + 7200, "以工代训补多少", "ask_work_for_training")]
    ingestor = Ingestor(engine, sender_hash)
    first = ingestor.apply(events)
    assert first.turns == 7
    again = ingestor.apply(events)  # a redelivery changes nothing
    assert again.turns == 0
    ingestor.apply(events[:5])  # nor does a partial one
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AnalyticsTurn)).scalar_one() == 7
        assert conn.execute(select(func.count()).select_from(AnalyticsConversation)).scalar_one() == 3
        daily = conn.execute(
            select(
                func.sum(AnalyticsDaily.conversations),
                func.sum(AnalyticsDaily.turns),
                func.sum(AnalyticsDaily.handoffs),
            )
        ).one()
        direct = conn.execute(
            text(
                "SELECT (SELECT COUNT(*) FROM analytics_conversations), (SELECT COUNT(*) FROM analytics_turns),"
                " (SELECT COUNT(*) FROM analytics_conversations WHERE handed_off)"
            )
        ).one()
        assert tuple(daily) == tuple(direct) == (3, 7, 2)
        outcomes = dict(conn.execute(select(AnalyticsTurn.outcome, func.count()).group_by(AnalyticsTurn.outcome)).all())
        assert outcomes == {"answered": 3, "clarification": 2, "handoff": 2}
        clauses = conn.execute(select(AnalyticsTurn.clause).where(AnalyticsTurn.clause.is_not(None))).scalars().all()
        assert clauses == [CLAUSE, CLAUSE]
        counties = set(conn.execute(select(AnalyticsConversation.county)).scalars())
        assert counties == {"沂南县", None}
        ms = conn.execute(
            select(AnalyticsTurn.response_ms).where(AnalyticsTurn.intent == "ask_public_welfare_post")
        ).scalars()
        assert set(ms) == {200}
        assert conn.execute(select(AnalyticsDaily.day).distinct()).scalars().all() == [day_of(T0)]
        assert_no_personal_data(conn)


def assert_no_personal_data(conn, needles: tuple[str, ...] = (ID_NUMBER, PHONE, "alice", "bob")) -> None:
    """No analytics table holds an ID number, a phone number or a sender id, in any column."""
    tables = [
        "analytics_conversations",
        "analytics_turns",
        "analytics_daily",
        "analytics_daily_intents",
        "analytics_daily_clauses",
        "analytics_daily_latency",
        "analytics_daily_unanswered",
        "monitor_snapshots",
        "analytics_daily_requests",
        "analytics_followup_daily",
        "analytics_state",
    ]
    for table in tables:
        for row in conn.execute(text(f"SELECT * FROM {table}")):
            flat = " ".join(str(v) for v in row)
            for needle in needles:
                assert needle not in flat, f"{table} holds {needle[:3]}…"


def test_snapshot_counts_persons_by_county_category_and_status(case_db) -> None:
    from sqlalchemy.orm import Session

    _url, engine = case_db
    with Session(engine, future=True) as session, session.begin():
        take_snapshot(session, dt.date(2026, 11, 28))
        take_snapshot(session, dt.date(2026, 11, 28))  # replaces, does not add
    with engine.connect() as conn:
        total = conn.execute(text("SELECT SUM(persons) FROM monitor_snapshots")).scalar_one()
        assert total == conn.execute(text("SELECT COUNT(*) FROM persons")).scalar_one()


def test_events_the_tables_do_not_record_cost_no_query(case_db) -> None:
    """A turn's ``action_listen``, form actions and unrecorded slots are skipped before any lookup."""
    from sqlalchemy import event as sa_event

    _url, engine = case_db
    ingestor = Ingestor(engine, sender_hash)
    ingestor.apply(conversation("dora", T0))
    unrecorded = [
        {"event": "action", "sender_id": "dora", "timestamp": T0 + 30 + n, "name": name}
        for n, name in enumerate(("action_listen", "transport_form", "validate_transport_form"))
    ] + [
        {"event": "slot", "sender_id": "dora", "timestamp": T0 + 40, "name": "requested_slot", "value": "trip_date"},
        {"event": "slot", "sender_id": "dora", "timestamp": T0 + 41, "name": "county", "value": None},
    ]
    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    result = ingestor.apply(unrecorded)
    assert result.events == len(unrecorded)
    assert not [s for s in statements if "analytics_turns" in s or "analytics_daily" in s], statements


def test_events_are_applied_in_short_transactions_with_the_same_result(case_db) -> None:
    """A batch is written a chunk per transaction (the case database's write lock is released between them)."""
    from sqlalchemy import event as sa_event

    _url, engine = case_db
    events = conversation("erin", T0) + conversation("fred", T0 + 60)
    commits: list[int] = []
    sa_event.listen(engine, "commit", lambda conn: commits.append(1))
    result = Ingestor(engine, sender_hash, chunk=4).apply(events)
    assert len(commits) == -(-len(events) // 4) + 1  # the chunks, then the refresh of the day
    assert result.turns == 6
    with engine.connect() as conn:
        daily = conn.execute(select(func.sum(AnalyticsDaily.turns), func.sum(AnalyticsDaily.handoffs))).one()
        assert tuple(daily) == (6, 2)
        outcomes = dict(conn.execute(select(AnalyticsTurn.outcome, func.count()).group_by(AnalyticsTurn.outcome)).all())
        assert outcomes == {"answered": 2, "clarification": 2, "handoff": 2}


def _statements(engine) -> list[str]:
    from sqlalchemy import event as sa_event

    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_a_turns_follow_up_events_need_no_query_of_their_own(case_db) -> None:
    """A chunk reads what it needs in a few queries, whatever the number of its turns; the result is the same."""
    _url, engine = case_db
    events = [event for n in range(8) for event in conversation(f"sender{n}", T0 + 100 * n)]
    statements = _statements(engine)
    result = Ingestor(engine, sender_hash, chunk=len(events)).apply(events)
    assert result.turns == 24
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    lookups = [s for s in selects if "count(" not in s and "sum(" not in s]  # not the refresh of the daily tables
    assert len(lookups) <= 3, lookups  # before: a lookup for nearly every event (over 60 here)
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(AnalyticsTurn.outcome, func.count()).group_by(AnalyticsTurn.outcome)).all())
        assert outcomes == {"answered": 8, "clarification": 8, "handoff": 8}
        assert set(
            conn.execute(select(AnalyticsTurn.response_ms).where(AnalyticsTurn.outcome == "handoff")).scalars()
        ) == {500}
        assert conn.execute(select(func.count()).select_from(AnalyticsConversation)).scalar_one() == 8


def test_each_session_of_a_sender_is_a_conversation(case_db) -> None:
    _url, engine = case_db
    ingestor = Ingestor(engine, sender_hash)
    ingestor.apply(conversation("gina", T0))
    ingestor.apply(conversation("gina", T0 + 7200))  # she comes back two hours later: a new session
    ingestor.apply(conversation("gina", T0 + 7200))  # delivered again: nothing new
    with engine.connect() as conn:
        starts = conn.execute(select(AnalyticsConversation.started_ts).order_by(AnalyticsConversation.started_ts))
        assert list(starts.scalars()) == [T0 + 0.001, T0 + 7200.001]
        per_conversation = conn.execute(
            select(func.count()).select_from(AnalyticsTurn).group_by(AnalyticsTurn.conversation_id)
        ).scalars()
        assert list(per_conversation) == [3, 3]


def test_late_and_replayed_events_reach_the_turn_of_their_time(case_db) -> None:
    """An event older than the chunk's last turn, or a replay of a turn the tables hold later turns after, is
    attached by its own time, not to whatever came last."""
    _url, engine = case_db
    ingestor = Ingestor(engine, sender_hash)
    first = conversation("hank", T0)
    ingestor.apply(first)
    late_bot = {"event": "bot", "sender_id": "hank", "timestamp": T0 + 1.4, "text": "补充说明"}
    ingestor.apply([user("hank", T0 + 30, "还有别的吗", "ask_work_for_training"), late_bot])
    replay = [first[2], {"event": "bot", "sender_id": "hank", "timestamp": T0 + 1.6, "text": "再补充"}]
    ingestor.apply(replay)
    with engine.connect() as conn:
        ms = dict(conn.execute(select(AnalyticsTurn.intent, AnalyticsTurn.response_ms)).all())
        assert ms["ask_public_welfare_post"] == 600  # the two late replies raised the first turn's time
        assert ms["ask_work_for_training"] is None  # and did not land on the newest turn

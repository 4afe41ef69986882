"""Handoff pieces on a real SQLite database: staffed hours, the queue, taking without Rasa, the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from bot.cases.admin import migrate
from bot.cases.sql_store import SqlCaseStore, build_engine
from bot.handoff.hours import SERVICE_FILE, HoursError, parse_hours, queue_notice, service_hours
from bot.handoff.outbox import Outbox
from bot.handoff.queue import HandoffError, Handoffs
from bot.handoff.rasa_api import RasaApiError, RasaConversations, transcript
from bot.staff.accounts import Accounts

CHINA = dt.timezone(dt.timedelta(hours=8))


def test_hours_come_from_service_yml() -> None:
    hours = service_hours()
    data = yaml.safe_load(SERVICE_FILE.read_text(encoding="utf-8"))
    assert hours.describe().startswith(data["human_service"]["days_text"])
    assert data["hotline"]["number"] in hours.hotline
    monday_morning = dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)
    assert hours.is_open(monday_morning) == (
        1 in hours.weekdays and any(a <= dt.time(10) < b for a, b in hours.periods)
    )
    sunday = dt.datetime(2026, 11, 29, 10, 0, tzinfo=CHINA)
    assert hours.is_open(sunday) == (7 in hours.weekdays)


def test_notice_inside_and_outside_the_hours() -> None:
    hours = parse_hours(
        {"human_service": {"weekdays": [1, 2], "periods": ["09:00-12:00"], "days_text": "周一周二"},
         "hotline": {"number": "12333", "name": "热线"}}
    )  # fmt: skip
    inside = queue_notice("ZR1", 3, dt.datetime(2026, 11, 30, 9, 30, tzinfo=CHINA), hours)
    assert "ZR1" in inside and "前面还有 2 位" in inside and "非工作时间" not in inside
    outside = queue_notice("ZR1", 1, dt.datetime(2026, 11, 30, 12, 0, tzinfo=CHINA), hours)
    assert "非工作时间" in outside and "周一周二9:00–12:00" in outside and "12333" in outside
    utc_evening = dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.timezone.utc)  # 09:30 in Linyi
    assert "非工作时间" not in queue_notice("ZR1", 1, utc_evening, hours)


@pytest.mark.parametrize(
    "section",
    [
        None,
        {"weekdays": [8], "periods": ["09:00-12:00"], "days_text": "x"},
        {"weekdays": [1], "periods": ["12:00-09:00"], "days_text": "x"},
        {"weekdays": [1], "periods": ["nine"], "days_text": "x"},
    ],
)
def test_malformed_hours_are_refused(section) -> None:
    with pytest.raises(HoursError, match="human_service"):
        parse_hours({"human_service": section} if section else {})


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    engine = build_engine(url)
    store = SqlCaseStore(url, engine=engine)
    agent = Accounts(engine).add("agent1", "agent-password-1", "agent")
    yield engine, store, agent
    engine.dispose()


def test_queue_order_and_a_take_that_rasa_refuses_changes_nothing(db) -> None:
    engine, store, agent = db
    first = store.create_handoff(conversation_id="u1", channel="rest", reason="转人工，电话13812345678")
    second = store.create_handoff(conversation_id="u2", channel="wechat", reason="还是不懂")
    queue = Handoffs(engine, RasaConversations("http://127.0.0.1:9", "token", timeout=2))
    waiting = queue.waiting()
    assert [w.reference for w in waiting] == [first.reference, second.reference]
    assert "13812345678" not in waiting[0].reason
    assert queue.position(first.reference) == 1 and queue.position(second.reference) == 2
    with pytest.raises(RasaApiError):
        queue.take(first.reference, agent.id)
    assert [w.reference for w in queue.waiting()] == [first.reference, second.reference]
    assert queue.held_by(agent.id) == []
    with pytest.raises(HandoffError, match="没有这个"):
        queue.take("ZR-none", agent.id)
    with pytest.raises(HandoffError, match="不在人工处理中"):
        queue.close(first.reference, agent.id)


def test_the_queue_shows_a_callback_number_masked(db) -> None:
    engine, store, _ = db
    handoff = store.create_handoff(conversation_id="u3", channel="wechat", reason="转人工")
    store.set_handoff_callback(handoff.reference, "13912345678")
    [waiting] = Handoffs(engine).waiting()
    assert waiting.callback_phone == "13912345678" and waiting.callback_masked == "139****5678"
    assert "13912345678" not in repr(waiting)


def test_outbox_delivers_each_reply_once_in_order(db) -> None:
    engine, _, agent = db
    outbox = Outbox(engine)
    outbox.enqueue("u1", "rest", agent.id, "您好")
    outbox.enqueue("u1", "rest", agent.id, "请问还有什么")
    outbox.enqueue("u2", "rest", agent.id, "别人的")
    assert outbox.pending_count("u1") == 2
    assert outbox.take_pending("u1") == ["您好", "请问还有什么"]
    assert outbox.take_pending("u1") == []
    assert outbox.take_pending("u2") == ["别人的"]


def test_one_read_before_the_turn_tells_what_waits_and_who_holds_it(db) -> None:
    from sqlalchemy.orm import Session

    from bot.cases.models import HandoffAssignment

    engine, _, agent = db
    outbox = Outbox(engine)
    assert outbox.before_turn("u1") == ([], False)
    outbox.enqueue("u1", "rest", agent.id, "您好")
    with Session(engine, future=True) as session, session.begin():
        session.add(
            HandoffAssignment(handoff_reference="ZR-1", conversation_id="u2", channel="rest", account_id=agent.id)
        )
    assert outbox.before_turn("u1") == (["您好"], False)
    assert outbox.before_turn("u1") == ([], False)
    assert outbox.before_turn("u2") == ([], True) and outbox.in_active_handoff("u2")
    with Session(engine, future=True) as session, session.begin():
        session.query(HandoffAssignment).filter_by(handoff_reference="ZR-1").update({"status": "closed"})
    assert outbox.before_turn("u2") == ([], False)


def test_transcript_tells_user_bot_and_agent_apart() -> None:
    tracker = {
        "events": [
            {"event": "action", "name": "action_listen", "timestamp": 1},
            {"event": "user", "text": "转人工", "timestamp": 2},
            {"event": "bot", "text": "已为您转接", "timestamp": 3},
            {"event": "pause", "timestamp": 4},
            {"event": "bot", "text": "我是坐席", "metadata": {"handoff_agent": "agent"}, "timestamp": 5},
        ]
    }
    assert [(line["who"], line["text"]) for line in transcript(tracker)] == [
        ("user", "转人工"),
        ("bot", "已为您转接"),
        ("agent", "我是坐席"),
    ]

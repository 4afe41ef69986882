"""A conversation held over REST reaches the enquiry figures through Rasa's event broker, redacted."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from sqlalchemy import create_engine, text

from bot.analytics.queries import Filters, enquiry_panel, turn_rows
from bot.cases.sql_store import build_engine

from .test_ingest import assert_no_personal_data

ID_NUMBER = "371302198503120427"
PHONE = "13912345678"


def test_rest_conversation_shows_up_within_a_minute_without_personal_data(servers) -> None:
    sender = f"dash-{uuid.uuid4().hex[:8]}"
    servers.say(sender, "公益岗合同签几年")
    servers.say(sender, f"我身份证是{ID_NUMBER}，电话{PHONE}，那个咋弄")
    servers.say(sender, "转人工")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    window = Filters(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1), channel="rest")
    engine = build_engine(servers.case_db_url)
    deadline = time.monotonic() + 60
    try:
        while True:
            with engine.connect() as conn:
                rows = [r for r in turn_rows(conn, window) if "公益岗" in r["text"] or "咋弄" in r["text"]]
                if len(rows) >= 2 and any(r["outcome"] == "handoff" for r in turn_rows(conn, window)):
                    panel = enquiry_panel(conn, window, lambda ref: {"label": ref, "title": "", "validity": ""})
                    # The day's figures are refreshed just after the turns are written.
                    intents = {i["intent"] for i in panel["intents"]}
                    if panel["turns"] >= 3 and panel["handoffs"] >= 1 and "ask_public_welfare_post" in intents:
                        break
            assert time.monotonic() < deadline, "the conversation did not reach the analytics tables within 60 s"
            time.sleep(2)
        assert panel["conversations"] >= 1 and panel["turns"] >= 3 and panel["handoffs"] >= 1
        assert any(i["intent"] == "ask_public_welfare_post" for i in panel["intents"])
        assert any(c["clause"].endswith("#七") for c in panel["clauses"])
        masked = next(r for r in rows if "咋弄" in r["text"])["text"]
        assert "371" in masked and "****" in masked  # masked, not dropped: the question stays readable
        with engine.connect() as conn:
            assert_no_personal_data(conn, (ID_NUMBER, PHONE, sender))
    finally:
        engine.dispose()
    # What the broker keeps until it is ingested is redacted as well.
    broker = create_engine(servers.event_broker_url)
    try:
        with broker.connect() as conn:
            for (data,) in conn.execute(text("SELECT data FROM events")):
                assert ID_NUMBER not in data and PHONE not in data
    finally:
        broker.dispose()

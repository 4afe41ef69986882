"""主管看板 over HTTP: supervisors only, figures equal direct SQL counts over seeded data, exports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from bot.analytics.case_figures import refresh_case_figures
from bot.analytics.ingest import Ingestor
from bot.cases.sql_store import build_engine
from policy_kb.dates import clause_status
from policy_kb.loader import default_kb
from policy_kb.vocabulary import VALIDITY_LABELS

from .conftest import Console

TODAY = dt.date(2026, 11, 28)


def _ts(day: dt.date, hour: int) -> float:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc).timestamp()


def seeded_events() -> list[dict]:
    """Conversations over three days on two channels; one names a county, one is handed over."""
    events: list[dict] = []
    plan = [
        ("u1", TODAY - dt.timedelta(days=2), "rest", ["ask_public_welfare_post", "nlu_fallback"], None),
        ("u2", TODAY - dt.timedelta(days=1), "wechat", ["ask_work_for_training", "request_human"], "沂南县"),
        ("u3", TODAY - dt.timedelta(days=1), "wechat", ["ask_public_welfare_post"], "沂南县"),
        ("u4", TODAY, "rest", ["greet", "ask_point_to_point", "nlu_fallback"], "费县"),
    ]
    for sender, day, channel, intents, county in plan:
        t = _ts(day, 2)
        events.append({"event": "session_started", "sender_id": sender, "timestamp": t})
        for i, intent in enumerate(intents):
            ts = t + 1 + i * 30
            events.append(
                {
                    "event": "user",
                    "sender_id": sender,
                    "timestamp": ts,
                    "text": "那个咋办 13912345678" if intent == "nlu_fallback" else f"问题{intent}",
                    "input_channel": channel,
                    "message_id": f"{sender}-{i}",
                    "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
                }
            )
            if intent == "nlu_fallback":
                events.append(
                    {"event": "action", "sender_id": sender, "timestamp": ts + 0.01, "name": "action_clarify"}
                )
            if intent == "request_human":
                events.append(
                    {"event": "action", "sender_id": sender, "timestamp": ts + 0.01, "name": "action_offer_human"}
                )
            if intent.startswith("ask_"):
                events.append(
                    {
                        "event": "slot",
                        "sender_id": sender,
                        "timestamp": ts + 0.02,
                        "name": "last_clause",
                        "value": "linrenshezi-2021-88#七",
                    }
                )
            if county and i == 0:
                events.append(
                    {"event": "slot", "sender_id": sender, "timestamp": ts + 0.03, "name": "county", "value": county}
                )
            events.append({"event": "bot", "sender_id": sender, "timestamp": ts + 0.2 + i * 0.1, "text": "答"})
    return events


@pytest.fixture(scope="module")
def seeded(console: Console) -> Console:
    engine = build_engine(console.db_url)
    Ingestor(engine, lambda s: hashlib.sha256(s.encode()).hexdigest()).apply(seeded_events())
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as session, session.begin():
        # An old registration, so that the follow-up list has someone on it.
        session.execute(
            text("UPDATE job_seeking_registrations SET created_at = :old"),
            {"old": dt.datetime(2026, 9, 1)},
        )
        refresh_case_figures(session, TODAY, dt.datetime(2026, 11, 28, 2, tzinfo=dt.timezone.utc).timestamp())
    engine.dispose()
    return console


def _number(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', html)
    assert match, element_id
    return match.group(1).strip()


def sql(console: Console, query: str, **params) -> int:
    engine = build_engine(console.db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query), params).scalar_one()
    finally:
        engine.dispose()


def test_an_agent_gets_403_and_does_not_see_the_menu_entry(seeded: Console) -> None:
    agent = seeded.session("agent")
    for path in (
        "/dashboard/monitor",
        "/dashboard/enquiries",
        "/dashboard/rows/turns",
        "/dashboard/export/followup/xlsx",
    ):
        assert agent.get(f"{seeded.url}{path}", timeout=30).status_code == 403, path
    assert "/dashboard" not in agent.get(f"{seeded.url}/", timeout=30).text
    anonymous = requests.get(f"{seeded.url}/dashboard/monitor", allow_redirects=False, timeout=30)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]


def test_enquiry_figures_equal_direct_sql_counts(seeded: Console) -> None:
    boss = seeded.session("supervisor")
    window = {"start": (TODAY - dt.timedelta(days=6)).isoformat(), "end": TODAY.isoformat()}
    page = boss.get(f"{seeded.url}/dashboard/enquiries", params=window, timeout=30)
    assert page.status_code == 200
    html = page.text
    assert int(_number(html, "kpi-conversations")) == sql(seeded, "SELECT COUNT(*) FROM analytics_conversations") == 4
    assert int(_number(html, "kpi-turns")) == sql(seeded, "SELECT COUNT(*) FROM analytics_turns") == 8
    handed = sql(seeded, "SELECT COUNT(*) FROM analytics_conversations WHERE handed_off")
    assert _number(html, "kpi-handoff") == f"{handed / 4 * 100:.1f}%" == "25.0%"
    assert _number(html, "kpi-containment") == "75.0%"
    assert _number(html, "kpi-unclear") == "2 / 0"
    assert "13912345678" not in html and "139****5678" in html  # the unanswered question, masked
    # The clause asked, with its validity on ASSISTANT_TODAY as the knowledge base states it.
    kb = default_kb()
    doc = kb.document_by_id("linrenshezi-2021-88")
    status = clause_status(doc, doc.clause("七"), TODAY).value
    assert "第（七）条" in html and VALIDITY_LABELS[status] in html
    # A county filter narrows every figure to the conversations that named it.
    yinan = boss.get(f"{seeded.url}/dashboard/enquiries", params={**window, "county": "沂南县"}, timeout=30).text
    assert int(_number(yinan, "kpi-conversations")) == 2 and int(_number(yinan, "kpi-turns")) == 3
    wechat = boss.get(f"{seeded.url}/dashboard/enquiries", params={**window, "channel": "wechat"}, timeout=30).text
    assert int(_number(wechat, "kpi-turns")) == sql(
        seeded, "SELECT COUNT(*) FROM analytics_turns WHERE channel='wechat'"
    )


def test_rows_behind_a_figure_are_masked_and_exportable(seeded: Console) -> None:
    boss = seeded.session("supervisor")
    window = {"start": (TODAY - dt.timedelta(days=6)).isoformat(), "end": TODAY.isoformat()}
    rows = boss.get(f"{seeded.url}/dashboard/rows/turns", params={**window, "outcome": "clarification"}, timeout=30)
    assert rows.status_code == 200 and rows.text.count("进入澄清") >= 2 and "13912345678" not in rows.text
    exported = boss.get(
        f"{seeded.url}/dashboard/export/turns/csv", params={**window, "outcome": "clarification"}, timeout=30
    )
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(table) == 1 + sql(seeded, "SELECT COUNT(*) FROM analytics_turns WHERE outcome='clarification'")


def test_monitor_figures_equal_direct_sql_and_the_followup_list_exports_to_excel(seeded: Console) -> None:
    from openpyxl import load_workbook

    boss = seeded.session("supervisor")
    # Demo requests carry the real clock's creation time, the follow-up list ASSISTANT_TODAY.
    window = {"start": "2026-01-01", "end": (dt.date.today() + dt.timedelta(days=1)).isoformat()}
    html = boss.get(f"{seeded.url}/dashboard/monitor", params=window, timeout=30).text
    assert int(_number(html, "total-persons")) == sql(seeded, "SELECT COUNT(*) FROM persons")
    assert int(_number(html, "total-registration")) == sql(seeded, "SELECT COUNT(*) FROM job_seeking_registrations")
    assert int(_number(html, "total-transport")) == sql(seeded, "SELECT COUNT(*) FROM transport_requests")
    expected = sql(
        seeded,
        "SELECT COUNT(*) FROM job_seeking_registrations r JOIN persons p ON p.id = r.person_id"
        " WHERE p.employment_status = 'unemployed' AND r.status NOT IN ('rejected', 'completed', 'cancelled')",
    )
    assert expected >= 1 and int(_number(html, "total-followup")) == expected
    workbook = boss.get(f"{seeded.url}/dashboard/export/followup/xlsx", params={**window, "days": 30}, timeout=30)
    assert workbook.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = list(sheet.values)
    assert values[0][0] == "登记编号" and len(values) == 1 + expected
    assert all(str(v[0]).startswith("DJ") for v in values[1:])
    # Nobody has waited 365 days: the list is empty then.
    later = boss.get(f"{seeded.url}/dashboard/monitor", params={**window, "days": 365}, timeout=30).text
    assert _number(later, "total-followup") == "0"
    bad = boss.get(f"{seeded.url}/dashboard/monitor", params={"start": "2026-13-01"}, timeout=30)
    assert bad.status_code == 200 and "日期“2026-13-01”无效" in bad.text


def test_a_real_browser_signs_in_changes_a_filter_and_sees_the_chart_update(seeded: Console) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]  # fmt: skip
    shots = os.environ.get("DASHBOARD_SCREENSHOTS")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=flags, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{seeded.url}/dashboard/enquiries")
            assert "/login" in page.url
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", seeded.password)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/dashboard/enquiries"))
            chart = page.locator("#chart-turns")
            assert chart.get_attribute("data-total") == str(sql(seeded, "SELECT COUNT(*) FROM analytics_turns"))
            if shots:
                page.screenshot(path=str(Path(shots) / "dashboard-enquiries.png"), full_page=True)
            page.select_option("#filter-county", "沂南县")
            page.click("#filters button[type=submit]")
            page.wait_for_url(re.compile(r"county="))
            in_yinan = sql(
                seeded,
                "SELECT COUNT(*) FROM analytics_turns t JOIN analytics_conversations c ON c.id = t.conversation_id"
                " WHERE c.county = '沂南县'",
            )
            sync_api.expect(page.locator("#chart-turns")).to_have_attribute("data-total", str(in_yinan))
            assert in_yinan == 3
            # A bar of the intents chart opens the rows behind it.
            page.locator("#chart-intents a").first.click()
            page.wait_for_url(re.compile(r"/dashboard/rows/turns"))
            assert page.locator("#rows tbody tr").count() >= 1
            end = (dt.date.today() + dt.timedelta(days=1)).isoformat()
            page.goto(f"{seeded.url}/dashboard/monitor?start=2026-06-01&end={end}")
            sync_api.expect(page.locator("#chart-status")).to_have_attribute(
                "data-total", str(sql(seeded, "SELECT COUNT(*) FROM persons"))
            )
            if shots:
                page.screenshot(path=str(Path(shots) / "dashboard-monitor.png"), full_page=True)
            context.close()
        finally:
            browser.close()

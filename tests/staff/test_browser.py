"""The two agent walks in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

1. Sign in → assist answer for a caller's question → voice verification → registration on the caller's
   behalf → the post-call summary saved as a contact record.
2. A REST user asks for a person → the agent takes the request (the bot pauses) → the agent's reply reaches
   the user → closing hands the user back to the bot.

Screenshots of the main pages go to ``$CONSOLE_SCREENSHOTS`` when set (``docs/console`` for the README).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LI_QIANG = ("371321199207081535", "0002")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def sign_in(page, servers, username: str = "agent") -> None:
    page.goto(f"{servers.console}/call")
    assert "/login" in page.url  # closed without a session
    shot(page, "01-login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", servers.console_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/call$"))


def test_call_walk_assist_verify_register_summary(page, servers) -> None:
    sign_in(page, servers)
    page.fill("#assist-text", "乡村公益性岗位的劳动合同一次能签几年")
    page.click("#assist-go")
    answer = page.locator("#assist-answer")
    playwright_api.expect(answer).to_contain_text("第（七）条", timeout=90_000)  # a busy test machine
    bot = servers.say("browser-walk-bot", "乡村公益性岗位的劳动合同一次能签几年")
    assert answer.inner_text().strip() == bot.strip()
    playwright_api.expect(page.locator("#assist-clause mark").first).to_be_visible()
    playwright_api.expect(page.locator("#assist-clause .badge")).to_have_count(1)
    assert page.locator("#assist-candidates .why").count() <= 2
    page.click("#copy-answer")
    playwright_api.expect(page.locator("#copy-answer")).to_have_text(re.compile("已复制|复制失败"))
    shot(page, "02-call-assist")

    # Verification: a wrong phone first, then the one on record.
    page.fill("#verify-id", LI_QIANG[0])
    page.fill("#verify-phone", "9999")
    page.check("#verify-voice")
    page.click("#verify-go")
    playwright_api.expect(page.locator(".alert")).to_contain_text("核对不上")
    assert page.locator("#verified").count() == 0
    page.fill("#verify-id", LI_QIANG[0])
    page.fill("#verify-phone", LI_QIANG[1])
    page.check("#verify-voice")
    page.click("#verify-go")
    playwright_api.expect(page.locator("#verified")).to_contain_text("测试李强")
    assert LI_QIANG[0] not in page.content()  # the ID number is shown masked
    playwright_api.expect(page.locator("#eligibility")).to_contain_text("符合")
    shot(page, "03-call-case")

    page.fill("#reg-work", "电工")
    page.select_option("#reg-where", "外出")
    page.click("#reg-go")
    done = page.locator(".ok[role=status]")
    playwright_api.expect(done).to_contain_text("登记编号 DJ")
    reference = re.search(r"DJ\d{8}-\d{6}", done.inner_text()).group(0)

    page.click("#end-call")
    page.wait_for_url(re.compile(r"/contacts/\d+/summary$"))
    summary = page.locator("#summary-text")
    assert reference in summary.input_value() and "第（七）条" in summary.input_value()
    assert page.locator("#summary-type").input_value() == "worker"
    shot(page, "04-summary")
    summary.fill(summary.input_value() + "\n来电人另询问培训安排，已告知等待通知。")
    page.click("#summary-save")
    playwright_api.expect(page.locator("#summary-saved")).to_contain_text("已保存联系记录 LD")

    page.goto(f"{servers.console}/contacts?q=培训安排")
    playwright_api.expect(page.locator("#contacts")).to_contain_text(reference)
    shot(page, "05-contacts")

    # The registration is in the case system and the agent's reads are audited under the agent's account.
    from bot.cases.sql_store import SqlCaseStore

    store = SqlCaseStore(servers.case_db_url)
    try:
        actors = {(e.actor, e.channel) for e in store.audit_entries(LI_QIANG[0])}
    finally:
        store.close()
    assert ("staff:agent", "console") in actors


def test_handoff_walk_rest_user_agent_reply_and_bot_resumes(page, servers) -> None:
    user = "browser-handoff-user"
    servers.say(user, "你好")
    queued = servers.say(user, "我要转人工，电话13812345678")
    assert "已为您转接人工服务" in queued
    reference = re.search(r"ZR\d{8}-\d{6}", queued).group(0)
    assert "139****5677" in servers.say(user, "13912345677")  # the number left for a call back

    sign_in(page, servers)
    page.goto(f"{servers.console}/handoff")
    row = page.locator("#waiting tr", has_text=reference)
    playwright_api.expect(row).to_have_count(1)
    playwright_api.expect(row.locator("td.callback")).to_have_text("139****5677")
    assert "13812345678" not in page.content() and "13912345677" not in page.content()
    shot(page, "06-handoff-queue")
    row.locator("button.take").click()
    page.wait_for_url(re.compile(rf"/handoff/{reference}$"))
    playwright_api.expect(page.locator("#callback")).to_contain_text("13912345677")  # the agent who took it
    transcript = page.locator("#transcript")
    playwright_api.expect(transcript).to_contain_text("转人工")
    assert "13812345678" not in transcript.inner_text() and "138****5678" in transcript.inner_text()

    # The bot is paused: a policy question now gets no bot answer, only the note that a person has it.
    paused = servers.say(user, "公益岗合同签几年")
    assert "第（七）条" not in paused and "人工客服" in paused
    playwright_api.expect(transcript).to_contain_text("公益岗合同签几年")  # the page polls the conversation

    page.fill("#reply-text", "您好，我是人工客服，公益性岗位每次签订不超过1年。")
    page.click("#reply-go")
    playwright_api.expect(transcript).to_contain_text("我是人工客服")
    shot(page, "07-handoff-conversation")
    delivered = servers.say(user, "好的，谢谢")
    assert "【人工客服】您好，我是人工客服" in delivered
    assert "【人工客服】您好" not in servers.say(user, "还有别的吗")  # each reply is delivered once

    page.click("#close-go")
    page.wait_for_url(re.compile(r"/contacts/\d+/summary$"))
    assert reference in page.locator("#summary-text").input_value()
    page.click("#summary-save")
    playwright_api.expect(page.locator("#summary-saved")).to_be_visible()

    resumed = servers.say(user, "公益岗合同签几年")
    assert "人工服务已结束" in resumed and "第（七）条" in resumed

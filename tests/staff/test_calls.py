"""Contact records on a real SQLite database: events, the summary draft, saving, search and the CSV export."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from bot.cases.admin import migrate
from bot.cases.sql_store import build_engine
from bot.staff.accounts import Accounts
from bot.staff.calls import Calls, ContactError, draft, export_csv


@pytest.fixture
def setup(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    engine = build_engine(url)
    accounts = Accounts(engine)
    agent = accounts.add("agent1", "agent-password-1", "agent")
    other = accounts.add("agent2", "agent-password-2", "agent")
    boss = accounts.add("boss", "boss-password-1", "supervisor")
    yield Calls(engine), agent, other, boss
    engine.dispose()


def _question(text: str, ref: str | None, label: str | None, status: str | None, validity: str | None):
    clause = None
    if ref:
        clause = SimpleNamespace(
            ref=ref,
            label=label.split()[0],
            title=label.split()[1],
            validity=SimpleNamespace(label=validity, status=status),
        )
    return SimpleNamespace(text=text, kind="clause" if ref else "out_of_scope", clause=clause)


def test_a_call_opens_with_the_first_event_and_the_draft_tells_what_happened(setup) -> None:
    calls, agent, _, _ = setup
    assert calls.current(agent) is None
    calls.record_question(
        agent,
        _question("以工代训补多少，我电话13812345678", "d#一", "第（一）条 以工代训", "clause_expired", "本条已到期"),
    )
    calls.record_question(agent, _question("公益岗签几年", "d#七", "第（七）条 乡村公益性岗位", "active", "现行有效"))
    calls.record_question(agent, _question("社保怎么交", None, None, None, None))
    calls.record(agent, {"type": "verified", "person": "测**（371*************35）", "method": "来电人语音口述"})
    calls.record(agent, {"type": "case_action", "what": "代为求职登记（电工）", "reference": "DJ20261128-000007"})
    call = calls.current(agent)
    assert call.reference.startswith("LD") and len(call.events) == 5
    assert "13812345678" not in str(call.events) and "138****5678" in str(call.events)
    ended = calls.end(agent)
    assert ended.status == "ended" and calls.current(agent) is None
    proposal = draft(ended)
    assert proposal.caller_type == "worker"
    assert "第（一）条 以工代训（本条已到期）" in proposal.summary
    assert "第（七）条 乡村公益性岗位（现行有效）" in proposal.summary
    assert "知识库无对应条款" in proposal.summary and "DJ20261128-000007" in proposal.summary
    assert "已核对身份证号和登记手机号" in proposal.summary
    assert "第（一）条 以工代训已不在执行期内" in proposal.follow_up
    assert "社保怎么交" in proposal.follow_up and "跟进 DJ20261128-000007" in proposal.follow_up
    assert [c.id for c in calls.pending(agent)] == [ended.id]


def test_saving_checks_the_fields_and_the_owner(setup) -> None:
    calls, agent, other, boss = setup
    calls.record(agent, {"type": "opened"})
    call = calls.end(agent)
    with pytest.raises(ContactError, match="来电人类型"):
        calls.save(agent, call.id, caller_type="robot", summary="x", follow_up="")
    with pytest.raises(ContactError, match="不能为空"):
        calls.save(agent, call.id, caller_type="worker", summary="  ", follow_up="")
    with pytest.raises(ContactError, match="最多"):
        calls.save(agent, call.id, caller_type="worker", summary="长" * 4001, follow_up="")
    with pytest.raises(ContactError, match="自己处理"):
        calls.save(other, call.id, caller_type="worker", summary="别人的小结", follow_up="")
    assert calls.get(call.id).status == "ended"
    saved = calls.save(boss, call.id, caller_type="employer", summary="单位咨询稳岗返还", follow_up="")
    assert saved.status == "saved" and saved.caller_type_label == "用人单位" and saved.account == "agent1"
    assert calls.pending(agent) == []


def test_search_finds_saved_records_and_the_export_opens_in_excel(setup) -> None:
    calls, agent, other, _ = setup
    for who, text in ((agent, "咨询以工代训补贴"), (other, '=HYPERLINK("http://x")'), (agent, "点对点专车报名")):
        calls.record(who, {"type": "opened"})
        call = calls.end(who)
        calls.save(who, call.id, caller_type="worker", summary=text, follow_up="")
    calls.record(agent, {"type": "opened"})  # open, not saved: not listed
    assert [c.summary for c in calls.search()] == ["点对点专车报名", '=HYPERLINK("http://x")', "咨询以工代训补贴"]
    assert [c.summary for c in calls.search("以工代训")] == ["咨询以工代训补贴"]
    assert [c.account for c in calls.search("agent2")] == ["agent2"]
    assert calls.search("100%_") == []
    data = export_csv(calls.search())
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "联系记录" and len(rows) == 4
    assert rows[2][7] == '\'=HYPERLINK("http://x")'  # a formula is exported as text


def test_a_long_call_still_gets_a_draft_that_can_be_saved_as_it_stands(setup) -> None:
    calls, agent, _, _ = setup
    for i in range(120):
        calls.record_question(
            agent, _question(f"第{i}个问题：社保怎么交，补贴多少钱，要准备什么材料", None, None, None, None)
        )
    ended = calls.end(agent)
    proposal = draft(ended)
    assert "此前另有 100 个问题未列出" in proposal.summary
    assert "第119个问题" in proposal.summary and "第99个问题" not in proposal.summary
    # saved exactly as drafted, with the browser's \r\n line ends
    saved = calls.save(
        agent,
        ended.id,
        caller_type=proposal.caller_type,
        summary=proposal.summary.replace("\n", "\r\n"),
        follow_up=proposal.follow_up.replace("\n", "\r\n"),
    )
    assert saved.summary == proposal.summary

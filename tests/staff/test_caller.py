"""The caller's case over HTTP against a real console and SQLite: verification, case view, actions, audit."""

from __future__ import annotations

import re

from .conftest import Console

LI_QIANG = ("371321199207081535", "17000000002")
WANG_FANG = ("371302198503120427", "17000000001")


def _csrf(http, console: Console) -> str:
    page = http.get(f"{console.url}/call", timeout=10)
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def _end(http, console: Console, csrf: str) -> None:
    http.post(f"{console.url}/call/end", data={"csrf_token": csrf}, allow_redirects=False, timeout=10)


def test_nothing_is_shown_or_done_before_verification(console: Console) -> None:
    http = console.session("agent")
    csrf = _csrf(http, console)
    form = {"csrf_token": csrf, "work_wanted": "电工", "work_location": "本地"}
    refused = http.post(f"{console.url}/call/register", data=form, timeout=10)
    assert refused.status_code == 403 and "请先核验" in refused.text
    unchecked = {"csrf_token": csrf, "id_number": LI_QIANG[0], "phone": LI_QIANG[1]}
    response = http.post(f"{console.url}/call/verify", data=unchecked, timeout=10)
    assert response.status_code == 400 and "请先勾选" in response.text and "测试李强" not in response.text
    bad = {**unchecked, "voice_confirmed": "yes", "id_number": "371321199207081536"}
    response = http.post(f"{console.url}/call/verify", data=bad, timeout=10)
    assert response.status_code == 400 and "身份证" in response.text and "测试李强" not in response.text
    _end(http, console, csrf)


def test_three_failed_checks_end_verification_for_the_call(console: Console) -> None:
    http = console.session("agent")
    csrf = _csrf(http, console)
    wrong = {"csrf_token": csrf, "id_number": LI_QIANG[0], "phone": "9999", "voice_confirmed": "yes"}
    for left in (2, 1, 0):
        response = http.post(f"{console.url}/call/verify", data=wrong, timeout=10)
        assert response.status_code == 400 and f"还可核验 {left} 次" in response.text
    right = {**wrong, "phone": LI_QIANG[1]}
    response = http.post(f"{console.url}/call/verify", data=right, timeout=10)
    assert response.status_code == 429 and "测试李强" not in response.text
    _end(http, console, csrf)


def test_verified_caller_case_registration_and_audit(console: Console) -> None:
    http = console.session("agent")
    csrf = _csrf(http, console)
    right = {"csrf_token": csrf, "id_number": WANG_FANG[0], "phone": WANG_FANG[1][-4:], "voice_confirmed": "yes"}
    page = http.post(f"{console.url}/call/verify", data=right, timeout=10)
    assert page.status_code == 200 and "测试王芳" in page.text and WANG_FANG[0] not in page.text
    assert 'id="eligibility"' in page.text and "暂无登记或申请" in page.text
    bad = http.post(
        f"{console.url}/call/register",
        data={"csrf_token": csrf, "work_wanted": "😀😀", "work_location": "本地"},
        timeout=10,
    )
    assert bad.status_code == 400 and "暂无登记或申请" in bad.text  # nothing was saved
    done = http.post(
        f"{console.url}/call/register",
        data={"csrf_token": csrf, "work_wanted": "保洁", "work_location": "本地", "wants_training": "yes"},
        timeout=10,
    )
    found = re.search(r"登记编号 (DJ\d{8}-\d{6})", done.text)
    assert found, (done.status_code, done.text[-1500:])
    reference = found.group(1)
    assert "求职意向" in done.text or reference in done.text
    bus = http.post(
        f"{console.url}/call/transport",
        data={"csrf_token": csrf, "destination": "江苏昆山", "departure_date": "下周一", "party_size": "0"},
        timeout=10,
    )
    assert bus.status_code == 400 and "人数" in bus.text
    bus = http.post(
        f"{console.url}/call/transport",
        data={"csrf_token": csrf, "destination": "江苏昆山", "departure_date": "下周一", "party_size": "2"},
        timeout=10,
    )
    assert re.search(r"编号 DD\d{8}-\d{6}", bus.text)
    ended = http.post(f"{console.url}/call/end", data={"csrf_token": csrf}, timeout=10)
    assert reference in ended.text and "代为求职登记（保洁）" in ended.text
    store = console.case_store()
    try:
        entries = store.audit_entries(WANG_FANG[0])
        items = store.get_status(WANG_FANG[0], access=_access())
    finally:
        store.close()
    staff = [e for e in entries if e.actor == "staff:agent"]
    assert staff and {e.channel for e in staff} == {"console"}
    assert any("代办求职登记" in e.purpose for e in staff) and any("语音核验" in e.purpose for e in staff)
    assert {i.reference for i in items} >= {reference}
    # After the call the agent no longer sees the case.
    after = http.get(f"{console.url}/call/case", timeout=10)
    assert "测试王芳" not in after.text


def _access():
    from bot.cases.records import AccessContext

    return AccessContext(conversation_id="test", channel="test", purpose="测试核对")

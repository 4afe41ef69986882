"""Attack and use of the SMS mode, end to end on the real model: with ``SMS_API_URL`` set, a status lookup needs the
code sent to the phone on record; the phone's last four digits (which anyone who saw them could type) no longer
prove anything, and guessing codes ends in the same server-side lockout as guessing phones."""

from __future__ import annotations

import pytest

LI_ID, LI_PHONE = "371321199207081535", "17000000002"  # demo person with a registration


@pytest.fixture(scope="module")
def sms_servers(trained_model, tmp_path_factory: pytest.TempPathFactory, serve_assistant, sms_server):
    yield from serve_assistant(
        tmp_path_factory, "2026-11-28", env_extra={"SMS_API_URL": sms_server.url, "SMS_API_TOKEN": "sms-token"}
    )


def test_the_owner_proves_who_they_are_with_the_code_on_their_phone(sms_servers, sms_server) -> None:
    assert "身份证" in sms_servers.say("sms-owner", "查进度")
    sent = sms_servers.say("sms-owner", LI_ID)
    assert "验证码" in sent and LI_PHONE not in sent and LI_PHONE[-4:] not in sent
    headers, body = sms_server.received[-1]
    assert body["phone"] == LI_PHONE and headers["Authorization"] == "Bearer sms-token"
    status = sms_servers.say("sms-owner", sms_server.last_code())
    assert "求职登记" in status and "DJ" in status


def test_last_four_digits_no_longer_prove_anything_and_guessed_codes_lock_the_person(sms_servers, sms_server) -> None:
    sms_servers.say("sms-stranger", "查一下我的办理进度")
    before = len(sms_server.received)
    sms_servers.say("sms-stranger", LI_ID)
    # One minute between codes for one person: the owner's test asked moments ago, so none may have gone now.
    replies = [sms_servers.say("sms-stranger", LI_PHONE[-4:])]
    assert "6 位" in replies[0] and "DJ" not in replies[0]
    right = sms_server.last_code() if len(sms_server.received) > before else None
    guesses = [g for g in ("000000", "111111", "222222", "333333") if g != right][:3]
    replies += [sms_servers.say("sms-stranger", guess) for guess in guesses]
    assert all("DJ" not in reply for reply in replies)
    assert "已暂停核对" in replies[-1] and "12333" in replies[-1]
    # Locked on the server: a new conversation with the right code gets nothing either.
    sms_servers.say("sms-stranger-2", "查进度")
    again = sms_servers.say("sms-stranger-2", LI_ID)
    assert "DJ" not in again
    if right:
        assert "DJ" not in sms_servers.say("sms-stranger-2", right)

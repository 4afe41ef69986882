"""One-time SMS codes: the gateway client against a loopback server, the codes, and the proof under the guard."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot import crypto
from bot import settings as settings_mod
from bot.cases import admin, demo_data, make_store
from bot.cases.errors import IdentityLocked, IdentityNotProven
from bot.cases.one_time_codes import CodeNotSent, OneTimeCodes, SmsVerification
from bot.cases.records import AccessContext
from bot.cases.sql_store import build_engine
from bot.sms import SmsGateway, SmsUnavailable

from .conftest import TODAY

KEY = crypto.generate_key("t1")
LI = demo_data.PERSONS[1]
ACCESS = AccessContext(conversation_id="rest:sms-1", channel="rest", purpose="查询")


def test_the_gateway_client_posts_json_with_the_token_and_reports_refusals(
    sms_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sms_server.status = 202
    gateway = SmsGateway(sms_server.url, "sms-token")
    gateway.send("13912345678", "测试")
    headers, body = sms_server.received[-1]
    assert body == {"phone": "13912345678", "text": "测试"}
    assert headers["Authorization"] == "Bearer sms-token"
    sms_server.status = 500
    caplog.set_level(logging.WARNING)
    with pytest.raises(SmsUnavailable):
        gateway.send("13912345678", "测试")
    assert "13912345678" not in caplog.text and "5678" in caplog.text
    with pytest.raises(SmsUnavailable):
        SmsGateway("http://127.0.0.1:9/send", "", timeout=(1, 10)).send("13912345678", "测试")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _codes(url: str, clock: Clock) -> OneTimeCodes:
    admin.migrate(url)
    return OneTimeCodes(build_engine(url), crypto.DataCipher.from_strings(KEY), now=clock)


def test_a_code_is_used_once_in_its_conversation_and_within_its_time(sqlite_url: str) -> None:
    clock = Clock()
    codes = _codes(sqlite_url, clock)
    code = codes.issue(LI.id_number, "c1")
    assert not codes.check(LI.id_number, "c2", code)  # another conversation
    assert not codes.check(LI.id_number, "c1", "000000" if code != "000000" else "111111")
    assert codes.check(LI.id_number, "c1", code)
    assert not codes.check(LI.id_number, "c1", code)  # used
    clock.advance(minutes=2)
    late = codes.issue(LI.id_number, "c1")
    clock.advance(minutes=6)
    assert not codes.check(LI.id_number, "c1", late)  # expired
    engine = build_engine(sqlite_url)
    with engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(text("SELECT * FROM identity_codes")))
    engine.dispose()
    assert code not in stored and late not in stored and LI.id_number not in stored


def test_codes_cannot_be_requested_to_flood_a_phone(sqlite_url: str) -> None:
    clock = Clock()
    codes = _codes(sqlite_url, clock)
    codes.issue(LI.id_number, "c1")
    with pytest.raises(CodeNotSent):
        codes.issue(LI.id_number, "other-conversation")  # within a minute, whoever asks
    for _ in range(4):
        clock.advance(minutes=2)
        codes.issue(LI.id_number, "c1")
    clock.advance(minutes=2)
    with pytest.raises(CodeNotSent):
        codes.issue(LI.id_number, "c1")  # the sixth within an hour
    clock.advance(hours=1)
    codes.issue(LI.id_number, "c1")


def _verification(tmp_path: Path, sms_server: Any) -> SmsVerification:
    sms_server.received.clear()
    sms_server.status = 202
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    cipher = crypto.DataCipher.from_strings(KEY)
    admin.migrate_and_seed(url, TODAY, cipher)
    cfg = settings_mod.load(
        {"CASE_DB_URL": url, "CASE_DATA_KEY": KEY, "SMS_API_URL": sms_server.url, "SMS_API_TOKEN": "t"}
    )
    verification = SmsVerification.from_settings(cfg, make_store(cfg))  # type: ignore[arg-type]
    assert verification is not None
    return verification


def test_the_right_code_proves_the_identity_and_wrong_ones_are_limited(tmp_path: Path, sms_server: Any) -> None:
    sms = _verification(tmp_path, sms_server)
    with pytest.raises(IdentityNotProven):
        sms.store.get_status(LI.id_number, access=ACCESS)
    sms.send_code(LI.id_number, access=ACCESS)
    assert sms_server.received[-1][1]["phone"] == LI.phone
    person = sms.verify_code(LI.id_number, sms_server.last_code(), access=ACCESS)
    assert person is not None and person.name == LI.name
    assert sms.store.get_status(LI.id_number, access=ACCESS)  # the proof is recorded on the server

    other = AccessContext(conversation_id="rest:sms-attacker", channel="rest", purpose="查询")
    later = Clock()
    later.now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2)  # past the wait before a new code
    sms.codes = OneTimeCodes(sms.store.guard.engine, crypto.DataCipher.from_strings(KEY), now=later)
    sms.send_code(LI.id_number, access=other)
    right = sms_server.last_code()
    wrong = [f"{n:06d}" for n in range(3) if f"{n:06d}" != right][:3]
    for guess in wrong:
        assert sms.verify_code(LI.id_number, guess, access=other) is None
    with pytest.raises(IdentityLocked):
        sms.verify_code(LI.id_number, right, access=other)  # locked: not even the right code now


def test_no_code_is_sent_for_an_unknown_id_number_and_the_caller_is_not_told(tmp_path: Path, sms_server: Any) -> None:
    sms = _verification(tmp_path, sms_server)
    unknown = "371323199803150018"
    sms.send_code(unknown, access=ACCESS)  # no error: the same answer as for a registered person
    assert sms_server.received == []

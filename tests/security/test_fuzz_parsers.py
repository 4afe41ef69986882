"""Fuzzing: the validators and the WeChat XML/crypto parser refuse hostile input cleanly and leak nothing."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.wechat.crypto import MessageCrypto
from bot.channels.wechat.errors import ProtocolError
from bot.channels.wechat.messages import parse_xml
from bot.validation.answers import ValidationError
from bot.validation.identifiers import validate_credit_code, validate_id_number, validate_phone_or_last4

TODAY = dt.date(2026, 11, 28)
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx00fuzz0000000000"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _clean_refusal(call, value) -> str | None:
    """The validator's result, or None after a Chinese refusal that does not echo a long input."""
    try:
        return call(value)
    except ValidationError as error:
        message = str(error)
        assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message)
        if len(value) >= 8:
            assert value not in message  # the refusal never repeats what was typed
        return None


@FUZZ
@given(st.text(max_size=40) | st.from_regex(r"[1-6]\d{16}[0-9Xx]", fullmatch=True))
def test_id_number_validator(value: str) -> None:
    result = _clean_refusal(lambda text: validate_id_number(text, TODAY), value)
    if result is not None:
        assert len(result) == 18 and result[:17].isdigit()


@FUZZ
@given(st.text(max_size=30) | st.from_regex(r"1[3-9]\d{9}|\d{4}", fullmatch=True))
def test_phone_validator(value: str) -> None:
    result = _clean_refusal(validate_phone_or_last4, value)
    if result is not None:
        assert result.isdigit() and len(result) in (4, 11)


@FUZZ
@given(st.text(max_size=30) | st.from_regex(r"[0-9A-Z]{18}", fullmatch=True))
def test_credit_code_validator(value: str) -> None:
    result = _clean_refusal(validate_credit_code, value)
    if result is not None:
        assert len(result) == 18


HOSTILE_XML = st.sampled_from(
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><C>&b;</C></xml>',
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><C>&e;</C></xml>',
        b"<xml><C>unclosed",
        b"",
        b"\xff\xfe<xml/>",
    ]
)


@FUZZ
@given(HOSTILE_XML | st.binary(max_size=300) | st.text(max_size=200).map(lambda t: f"<xml>{t}</xml>".encode()))
def test_xml_parser_refuses_or_parses_flat_text(document: bytes) -> None:
    try:
        fields = parse_xml(document)
    except ProtocolError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
    assert not any("root:" in v for v in fields.values())  # no external entity was read


@FUZZ
@given(st.binary(max_size=200))
def test_decrypt_refuses_forged_ciphertexts(raw: bytes) -> None:
    crypto = MessageCrypto([AES_KEY], APPID)
    for candidate in (base64.b64encode(raw).decode(), raw.decode("latin-1")):
        try:
            crypto.decrypt(candidate)
        except ProtocolError:
            continue
        raise AssertionError("random bytes decrypted as a message")


@FUZZ
@given(st.text(max_size=300))
def test_encrypt_decrypt_round_trip_and_bit_flips(message: str) -> None:
    crypto = MessageCrypto([AES_KEY], APPID)
    token = crypto.encrypt(message)
    assert crypto.decrypt(token) == message
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 0x01  # the padding or the appid changes
    with contextlib.suppress(ProtocolError):
        assert crypto.decrypt(base64.b64encode(bytes(raw)).decode()) != message

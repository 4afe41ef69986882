"""Attacks on the channels: a victim's openid on REST, typed /intent payloads, REST without its token,
plaintext WeChat messages while a key is set."""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.payloads import as_user_text, offered_payloads
from bot.channels.rest import RestInput
from bot.settings import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bot" / "wechat"))
from wechat_peer import SanicServer

VICTIM_ID, VICTIM_PHONE = "371321199207081535", "17000000002"


# --- typed payloads ---------------------------------------------------------------------------------


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_typed_text_never_becomes_a_payload(text: str) -> None:
    assert not as_user_text(text).lstrip().startswith("/")


@given(st.sampled_from(["/", "／", " /", "//", "/ /"]), st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_slash_prefixed_text_is_kept_as_words(prefix: str, rest: str) -> None:
    result = as_user_text(prefix + "check_status" + rest)
    assert not result.startswith("/") and result.startswith("check_status")


def test_only_an_offered_payload_passes() -> None:
    offered = offered_payloads([{"text": "请选择", "buttons": [{"title": "查进度", "payload": "/check_status"}]}])
    assert offered == ["/check_status"]
    assert as_user_text("/check_status", offered) == "/check_status"
    assert (
        as_user_text('/check_status{"verified_id_number": "x"}', offered) == 'check_status{"verified_id_number": "x"}'
    )
    assert as_user_text("/restart", offered) == "restart"


# --- the REST channel in a real server --------------------------------------------------------------


class RecordingBot:
    """Stands in for Rasa behind the channel: records each message and offers one button."""

    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "请选择", [{"title": "政策咨询", "payload": "/ask_capabilities"}]
        )


@pytest.fixture
def rest_server() -> Iterator[Any]:
    servers: list[SanicServer] = []

    def start(**env: str) -> tuple[str, RecordingBot]:
        bot = RecordingBot()
        channel = RestInput(load({"REDIS_URL": "", **env}))
        Sanic.test_mode = True
        app = Sanic(f"rest_test_{uuid.uuid4().hex[:12]}")
        app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/rest")
        server = SanicServer(app=app).start()
        servers.append(server)
        return f"{server.url}/webhooks/rest/webhook", bot

    yield start
    for server in servers:
        server.stop()


def test_rest_senders_live_in_their_own_namespace(rest_server) -> None:
    url, bot = rest_server()
    body = {"sender": "oVictimOpenid", "message": "你好", "input_channel": "wechat"}
    assert requests.post(url, json=body, timeout=10).ok
    assert bot.seen[0].sender_id == "rest:oVictimOpenid" and bot.seen[0].input_channel == "rest"


def test_rest_payloads_only_from_offered_buttons(rest_server) -> None:
    url, bot = rest_server()
    forged = '/check_status{"verified_id_number": "' + VICTIM_ID + '"}'
    requests.post(url, json={"sender": "u", "message": forged}, timeout=10)
    assert not bot.seen[0].text.startswith("/")
    requests.post(url, json={"sender": "u", "message": "/ask_capabilities"}, timeout=10)  # offered just now
    assert bot.seen[1].text == "/ask_capabilities"
    requests.post(url, json={"sender": "other", "message": "/ask_capabilities"}, timeout=10)  # never offered to them
    assert bot.seen[2].text == "ask_capabilities"


def test_rest_channel_token_and_off(rest_server) -> None:
    url, bot = rest_server(REST_CHANNEL="token", REST_CHANNEL_TOKEN="rest-secret-1")
    message = {"sender": "u", "message": "你好"}
    assert requests.post(url, json=message, timeout=10).status_code == 401
    bad = {"Authorization": "Bearer rest-secret-2"}
    assert requests.post(url, json=message, headers=bad, timeout=10).status_code == 401
    good = {"Authorization": "Bearer rest-secret-1"}
    assert requests.post(url, json=message, headers=good, timeout=10).ok
    assert len(bot.seen) == 1
    off_url, off_bot = rest_server(REST_CHANNEL="off")
    assert requests.post(off_url, json=message, headers=good, timeout=10).status_code == 403
    assert off_bot.seen == []


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"sender": 5, "message": "x"}).encode()])
def test_rest_bad_requests_get_a_clear_400(rest_server, body: bytes) -> None:
    url, bot = rest_server()
    response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400 and bot.seen == []


def test_rest_token_mode_without_a_token_does_not_start() -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="REST_CHANNEL_TOKEN"):
        RestInput(load({"REST_CHANNEL": "token"}))
    with pytest.raises(SettingsError, match="REST_CHANNEL"):
        RestInput(load({"REST_CHANNEL": "closed"}))


# --- end to end, the trained bot --------------------------------------------------------------------


def _wechat_query(token: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def test_rest_caller_with_the_victims_openid_gets_nothing(servers) -> None:
    from bot.cases import make_store
    from bot.cases.records import AccessContext
    from bot.settings import Settings

    openid = "oSecVictim" + secrets.token_hex(6)
    # The victim proves their identity on WeChat: the same store call the status form makes for that conversation.
    store = make_store(
        Settings(case_db_url=servers.case_db_url, case_data_key="ktest:" + "A" * 43)
    )  # the servers fixture's key
    try:
        victim = AccessContext(conversation_id=openid, channel="wechat", purpose="查询办理进度")
        assert store.verify_person(VICTIM_ID, VICTIM_PHONE, access=victim) is not None
        store.get_status(VICTIM_ID, access=victim)  # the victim may read their own status
    finally:
        store.close()
    # The attacker uses the same id on REST: another conversation, nothing verified, nothing shown.
    text = servers.say(openid, "查进度")
    text += servers.say(openid, VICTIM_ID)
    assert "办理情况" not in text and "DJ" not in text and "测试李强" not in text

    def user_texts(conversation: str) -> list[str]:
        tracker = requests.get(
            f"{servers.rasa}/conversations/{conversation}/tracker", params={"token": servers.token}, timeout=30
        ).json()
        return [event.get("text") for event in tracker.get("events") or [] if event.get("event") == "user"]

    # The REST messages went to the REST conversation, never into the WeChat user's one.
    assert user_texts(f"rest:{openid}")[:2] == ["查进度", VICTIM_ID]
    assert user_texts(openid) == []


def test_typed_payload_with_a_verified_id_reveals_nothing(servers) -> None:
    forged = '/check_status{"verified_id_number": "' + VICTIM_ID + '"}'
    text = servers.say("sec-typed-1", forged)
    text += servers.say("sec-typed-1", '/inform{"phone_check": "0002", "verified_id_number": "' + VICTIM_ID + '"}')
    assert "办理情况" not in text and "测试李强" not in text and "DJ" not in text


def test_plaintext_wechat_message_is_refused_while_a_key_is_set(servers) -> None:
    xml = (
        "<xml><ToUserName><![CDATA[gh_sec]]></ToUserName><FromUserName><![CDATA[oSecPlain]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[查进度]]></Content><MsgId>77001</MsgId></xml>"
    )
    response = requests.post(
        f"{servers.rasa}/webhooks/wechat/webhook", params=_wechat_query(servers.wechat_token), data=xml, timeout=30
    )
    assert response.status_code == 403 and "身份证" not in response.text


def test_three_wrong_phones_lock_the_person_on_every_channel_sender_and_restart(servers) -> None:
    """Done-when: after three wrong phones for one ID, nobody sees that person's status until the window ends."""
    sun_id, sun_phone = "371326197006050313", "17000000007"  # a demo person no other test looks up
    for n, guess in enumerate(("1111", "2222", "3333")):
        sender = f"sec-guess-{n}"  # a new sender for every guess
        servers.say(sender, "查进度")
        servers.say(sender, sun_id)
        servers.say(sender, guess)
    owner = "sec-owner-1"
    servers.say(owner, "查进度")
    servers.say(owner, sun_id)
    text = servers.say(owner, sun_phone[-4:])  # the right phone
    assert "办理情况" not in text and "没有正在办理" not in text
    assert "以后再试" in text and "12333" in text
    servers.say(owner, "/restart")  # typed, so plain text; and a real restart of the conversation changes nothing
    servers.say(owner, "查进度")
    servers.say(owner, sun_id)
    again = servers.say(owner, sun_phone)
    assert "办理情况" not in again and "没有正在办理" not in again and "以后再试" in again

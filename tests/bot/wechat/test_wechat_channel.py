"""The WeChat channel over real HTTP: a Sanic server on loopback, wechatpy as WeChat, a fake bot as Rasa."""

from __future__ import annotations

import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from wechat_peer import (
    ACCOUNT,
    AES_KEY,
    APPID,
    NOW,
    OPENID,
    TOKEN,
    FakeBot,
    Peer,
    event_xml,
    image_xml,
    sign,
    text_xml,
    voice_xml,
)

from bot.channels.wechat.service import PLEASE_TYPE, UNKNOWN_MENU, VOICE_NOT_RECOGNISED

MODES = ["plain", "safe", "compat"]
WEBHOOK_PATH = "/webhooks/wechat/webhook"


# -- URL verification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "nonce", "signature"),
    [
        ("1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        ("1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
    ],
)
def test_url_verification_official_vectors(serve, timestamp, nonce, signature):
    peer = serve(env={"WECHAT_TOKEN": "AAAAA"})
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": "7344567890123"}
    response = requests.get(peer.url, params=query, timeout=10)
    assert response.status_code == 200
    assert response.text == "7344567890123"
    forged = requests.get(peer.url, params={**query, "nonce": "1"}, timeout=10)
    assert forged.status_code == 403
    assert "7344567890123" not in forged.text


@pytest.mark.parametrize(
    "signature",
    ["0" * 40, "not-hex-at-all", "签名" * 20, "", "F464B24FC39322E44B38AA78F5EDD27BD1441696"],
)
def test_url_verification_refuses_bad_signatures(serve, signature):
    peer = serve(env={"WECHAT_TOKEN": "AAAAA"})
    query = {"signature": signature, "timestamp": "1714036504", "nonce": "1514711492", "echostr": "echo-me"}
    response = requests.get(peer.url, params=query, timeout=10)
    assert response.status_code == 403
    assert "echo-me" not in response.text


def test_url_verification_with_peer_signature(serve):
    peer = serve()
    response = requests.get(peer.url, params={**peer.query(), "echostr": "abc123"}, timeout=10)
    assert (response.status_code, response.text) == (200, "abc123")


def test_empty_token_refuses_everything(serve, bot, watch_log):
    warning = watch_log("bot.channels.wechat.service", "WECHAT_TOKEN")
    peer = serve(env={"WECHAT_TOKEN": ""})
    # Signed with the empty token, which must not count as a secret.
    query = {"signature": sign("", "1", "2"), "timestamp": str(NOW), "nonce": "2", "echostr": "x"}
    assert requests.get(peer.url, params=query, timeout=10).status_code == 403
    empty_query = {"signature": sign("", str(NOW), "5"), "timestamp": str(NOW), "nonce": "5"}
    assert peer.post(empty_query, text_xml("你好").encode()).status_code == 403
    assert peer.post(empty_query, text_xml("你好").encode()).status_code == 403
    assert bot.calls == []
    assert warning.count == 1


# -- modes and message types ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_text_message_round_trip(serve, bot, mode):
    peer = serve()
    response = peer.send(text_xml("失业了能领什么补贴"), mode)
    assert peer.reply_text(response, mode) == "收到：失业了能领什么补贴"
    assert bot.texts == ["失业了能领什么补贴"]
    message = bot.calls[0]
    assert message.sender_id == OPENID
    assert message.input_channel == "wechat"
    assert message.metadata["wechat"]["msg_id"] == "1001"
    assert message.metadata["wechat"]["account"] == ACCOUNT


@pytest.mark.parametrize("mode", MODES)
def test_voice_with_recognition_is_text(serve, bot, mode):
    peer = serve()
    assert peer.reply_text(peer.send(voice_xml("我想登记求职"), mode), mode) == "收到：我想登记求职"
    assert bot.texts == ["我想登记求职"]


@pytest.mark.parametrize("recognition", [None, "", "   "])
def test_voice_without_recognition_asks_to_type(serve, bot, recognition):
    peer = serve()
    assert peer.reply_text(peer.send(voice_xml(recognition))) == VOICE_NOT_RECOGNISED
    assert bot.calls == []


@pytest.mark.parametrize("mode", MODES)
def test_image_asks_to_type(serve, bot, mode):
    peer = serve()
    assert peer.reply_text(peer.send(image_xml(), mode), mode) == PLEASE_TYPE
    assert bot.calls == []


def test_other_message_types_ask_to_type(serve, bot):
    peer = serve()
    xml = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>35.1</Location_X>"
        "<Location_Y>118.3</Location_Y><Scale>15</Scale><Label><![CDATA[临沂]]></Label><MsgId>77</MsgId></xml>"
    )
    assert peer.reply_text(peer.send(xml)) == PLEASE_TYPE
    assert bot.calls == []


@pytest.mark.parametrize("mode", MODES)
def test_subscribe_sends_greet_to_the_bot(serve, bot, mode):
    peer = serve()
    bot.answer = lambda text: [{"text": "您好！我是就业帮扶助手。"}] if text == "/greet" else []
    response = peer.send(event_xml("subscribe", "qrscene_123"), mode)
    assert peer.reply_text(response, mode) == "您好！我是就业帮扶助手。"
    assert bot.texts == ["/greet"]


def test_unsubscribe_gets_success_and_no_turn(serve, bot):
    peer = serve()
    response = peer.send(event_xml("unsubscribe"))
    assert (response.status_code, response.text) == (200, "success")
    assert bot.calls == []


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ask_capabilities", "/ask_capabilities"),
        ("register_job_seeking", "/register_job_seeking"),
        ("check_status", "/check_status"),
        ("request_human", "/request_human"),
    ],
)
def test_menu_click_sends_the_menu_message(serve, bot, key, message):
    peer = serve()
    assert peer.reply_text(peer.send(event_xml("CLICK", key))) == f"收到：{message}"
    assert bot.texts == [message]


def test_unknown_menu_key(serve, bot):
    peer = serve()
    assert peer.reply_text(peer.send(event_xml("CLICK", "no_such_key"))) == UNKNOWN_MENU
    assert bot.calls == []


def test_safe_mode_reply_is_signed_for_the_request_nonce(serve):
    peer = serve()
    query = peer.query(nonce="9876543210")
    response = peer.send(text_xml("你好"), "safe", query)
    assert "<Nonce><![CDATA[9876543210]]></Nonce>" in response.text
    assert "收到" not in response.text  # encrypted, not in clear
    assert peer.reply_text(response, "safe") == "收到：你好"


def test_previous_aes_key_is_accepted_during_rotation(serve, bot, clock):
    new_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
    peer = serve(env={"WECHAT_ENCODING_AES_KEY": new_key, "WECHAT_ENCODING_AES_KEY_PREVIOUS": AES_KEY})
    old_peer = Peer(peer.url.removesuffix("/webhooks/wechat/webhook"), clock, aes_key=AES_KEY)
    new_peer = Peer(peer.url.removesuffix("/webhooks/wechat/webhook"), clock, aes_key=new_key)
    old = old_peer.send(text_xml("旧密钥", msg_id=2), "safe")
    # Replies use the current key, which the platform has already switched to.
    assert new_peer.reply_text(old, "safe") == "收到：旧密钥"
    assert new_peer.reply_text(new_peer.send(text_xml("新密钥", msg_id=3), "safe"), "safe") == "收到：新密钥"


def test_safe_mode_without_configured_key_is_refused(serve, bot):
    peer = serve(env={"WECHAT_ENCODING_AES_KEY": ""})
    assert peer.send(text_xml("你好"), "safe").status_code == 400
    assert bot.calls == []


# -- signatures, timestamps, replays ------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    ["0" * 40, "zz" * 20, "签名不对" * 10, "", "a" * 39, "ü" * 40],
)
def test_forged_signature_is_refused(serve, bot, signature):
    peer = serve()
    query = {**peer.query(), "signature": signature}
    response = peer.post(query, text_xml("你好").encode())
    assert response.status_code == 403
    assert bot.calls == []


def test_uppercase_hex_signature_is_refused(serve, bot):
    peer = serve()
    query = peer.query()
    query["signature"] = query["signature"].upper()
    assert peer.post(query, text_xml("你好").encode()).status_code == 403


def test_missing_signature_is_refused(serve, bot):
    peer = serve()
    query = peer.query()
    del query["signature"]
    assert peer.post(query, text_xml("你好").encode()).status_code == 403
    assert bot.calls == []


def test_forged_msg_signature_is_refused(serve, bot):
    peer = serve()
    query, body = peer.build(text_xml("你好"), "safe")
    query["msg_signature"] = sign(TOKEN, query["timestamp"], query["nonce"], "other")
    assert peer.post(query, body).status_code == 403
    assert bot.calls == []


def test_compat_mode_trusts_only_the_signed_ciphertext(serve, bot):
    peer = serve()
    query, body = peer.build(text_xml("真实内容"), "compat")
    tampered = body.replace("<![CDATA[真实内容]]>".encode(), "<![CDATA[伪造内容]]>".encode(), 1)
    assert peer.reply_text(peer.post(query, tampered), "compat") == "收到：真实内容"
    assert bot.texts == ["真实内容"]


@pytest.mark.parametrize("offset", [-301, 301, -100_000])
def test_stale_timestamp_is_refused(serve, bot, clock, offset):
    peer = serve()
    query = peer.query(timestamp=str(NOW + offset))
    assert peer.post(query, text_xml("你好").encode()).status_code == 403
    assert bot.calls == []


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamp_at_the_window_edge_is_accepted(serve, bot, offset):
    peer = serve()
    query = peer.query(timestamp=str(NOW + offset))
    assert peer.reply_text(peer.post(query, text_xml("你好").encode())) == "收到：你好"


@pytest.mark.parametrize("timestamp", ["abc", "-1", "１７１４０３６５０４", ""])
def test_non_numeric_timestamp_is_refused(serve, bot, timestamp):
    peer = serve()
    query = {"signature": sign(TOKEN, timestamp, "1"), "timestamp": timestamp, "nonce": "1"}
    assert peer.post(query, text_xml("你好").encode()).status_code == 403


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_replayed_nonce_with_another_body_is_refused(serve, bot, mode):
    peer = serve()
    query, body = peer.build(text_xml("第一条", msg_id=1), mode)
    assert peer.reply_text(peer.post(query, body), mode) == "收到：第一条"
    other = text_xml("第二条", msg_id=2).encode()
    response = peer.post(query, other)
    assert response.status_code == 403
    assert "第二条" not in response.text
    assert bot.texts == ["第一条"]


@pytest.mark.parametrize("mode", MODES)
def test_retry_with_same_query_and_body_gets_the_same_reply(serve, bot, mode):
    peer = serve()
    query, body = peer.build(text_xml("重试", msg_id=5), mode)
    first = peer.reply_text(peer.post(query, body), mode)
    second = peer.reply_text(peer.post(query, body), mode)
    assert first == second == "收到：重试"
    assert len(bot.calls) == 1


# -- exactly once ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "xml",
    [text_xml("你好", msg_id=42), event_xml("subscribe"), event_xml("CLICK", "check_status")],
    ids=["text", "subscribe", "click"],
)
def test_sequential_duplicates_processed_once(serve, bot, xml):
    peer = serve()
    replies = [peer.reply_text(peer.send(xml)) for _ in range(3)]  # fresh timestamp/nonce each time
    assert len(bot.calls) == 1
    assert replies[0] is not None
    assert replies == [replies[0]] * 3


def test_events_at_different_times_are_distinct(serve, bot):
    peer = serve()
    peer.send(event_xml("CLICK", "check_status", create_time=NOW))
    peer.send(event_xml("CLICK", "check_status", create_time=NOW + 1))
    peer.send(event_xml("CLICK", "check_status", create_time=NOW, openid="oOtherUser"))
    assert len(bot.calls) == 3


def _concurrent_duplicates(peers: list[Peer], bot: FakeBot, waiting) -> list[str | None]:
    """Send the same message to each peer while the first turn is held until the others wait for it."""
    bot.gate = threading.Event()
    xml = text_xml("并发", msg_id=777)
    with ThreadPoolExecutor(len(peers)) as pool:
        first = pool.submit(peers[0].send, xml)
        assert bot.started.wait(10)
        others = [pool.submit(p.send, xml) for p in peers[1:]]
        assert waiting.seen.wait(10)  # a duplicate is waiting for the first delivery
        bot.gate.set()
        responses = [first.result(30)] + [f.result(30) for f in others]
    return [peers[0].reply_text(r) for r in responses]


def test_concurrent_duplicates_processed_once_in_memory(serve, bot, watch_log):
    waiting = watch_log("bot.channels.wechat.store", "in progress")
    peer = serve()
    replies = _concurrent_duplicates([peer, peer, peer], bot, waiting)
    assert replies == ["收到：并发"] * 3
    assert len(bot.calls) == 1


def test_concurrent_duplicates_across_processes_with_redis(serve, bot, watch_log, redis_url, redis_prefix):
    """Two servers sharing Redis stand for two Rasa processes behind a load balancer."""
    waiting = watch_log("bot.channels.wechat.store", "in progress")
    env = {"REDIS_URL": redis_url}
    peer_a = serve(env=env, key_prefix=redis_prefix)
    peer_b = serve(env=env, key_prefix=redis_prefix)
    replies = _concurrent_duplicates([peer_a, peer_b], bot, waiting)
    assert replies == ["收到：并发"] * 2
    assert len(bot.calls) == 1
    # A later retry, to either process, reads the stored reply.
    assert peer_b.reply_text(peer_b.send(text_xml("并发", msg_id=777))) == "收到：并发"
    assert peer_a.reply_text(peer_a.send(text_xml("并发", msg_id=777))) == "收到：并发"
    assert len(bot.calls) == 1


def test_replay_guard_is_shared_through_redis(serve, bot, redis_url, redis_prefix):
    env = {"REDIS_URL": redis_url}
    peer_a = serve(env=env, key_prefix=redis_prefix)
    peer_b = serve(env=env, key_prefix=redis_prefix)
    query, body = peer_a.build(text_xml("一", msg_id=1))
    assert peer_a.post(query, body).status_code == 200
    assert peer_b.post(query, text_xml("二", msg_id=2).encode()).status_code == 403
    assert peer_b.reply_text(peer_b.post(query, body)) == "收到：一"
    assert bot.texts == ["一"]


# -- hostile bodies ------------------------------------------------------------------------------

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName><CreateTime>{NOW}</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
    f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName><CreateTime>{NOW}</CreateTime>"
    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"
)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_bodies_are_refused(serve, bot, mode, xml):
    peer = serve()
    response = peer.send(xml, mode)
    assert response.status_code == 400
    assert "root:" not in response.text and "lol" not in response.text
    assert bot.calls == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<xml><ToUserName>",
        b"<html></html>",
        "<xml>\udcff</xml>".encode("utf-8", "surrogatepass"),
    ],
)
def test_malformed_xml_is_400(serve, bot, body):
    peer = serve()
    response = peer.post(peer.query(), body)
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert bot.calls == []


def test_missing_fields_are_400(serve, bot):
    peer = serve()
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><MsgType>text</MsgType></xml>".encode()
    assert peer.post(peer.query(), body).status_code == 400


def test_oversized_body_declared_is_413(serve, bot):
    peer = serve()
    body = text_xml("长" * 30_000).encode()  # about 90 KB
    assert len(body) > 64 * 1024
    response = peer.post(peer.query(), body)
    assert response.status_code == 413
    assert bot.calls == []


def test_oversized_content_length_is_refused_before_the_body_arrives(serve, bot):
    """The declared length alone earns a 413: the server does not wait for 10 MB that never come."""
    peer = serve()
    host_port = peer.url.split("/")[2]
    host, port = host_port.split(":")
    path = f"{WEBHOOK_PATH}?{urlencode(peer.query())}"
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {10 * 1024 * 1024}\r\n\r\n<xml>".encode()
        )
        status_line = conn.recv(1024).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
    assert bot.calls == []


def test_oversized_chunked_body_is_413(serve, bot):
    peer = serve()

    def chunks():
        yield b"<xml><Content>"
        for _ in range(200):
            yield b"x" * 1024

    response = peer.post(peer.query(), chunks())
    assert response.status_code == 413
    assert bot.calls == []


def test_body_at_the_limit_is_accepted(serve, bot):
    peer = serve()
    body = text_xml("a").encode()
    body = body.replace(b"<![CDATA[a]]>", b"<![CDATA[" + b"a" * (64 * 1024 - len(body) + 1) + b"]]>")
    assert len(body) == 64 * 1024
    assert peer.post(peer.query(), body).status_code == 200


def _safe_query_for(peer: Peer, encrypt: str) -> dict[str, str]:
    query = peer.query()
    query.update(encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], encrypt))
    return query


def _raw_ciphertext(plaintext: bytes, key: str = AES_KEY) -> str:
    """Encrypt ``plaintext`` as is (no padding added), to build broken messages."""
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    aes_key = base64.b64decode(key + "=")
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def _frame(message: bytes, appid: bytes = APPID.encode(), length: int | None = None) -> bytes:
    import struct

    return b"R" * 16 + struct.pack(">I", len(message) if length is None else length) + message + appid


def _pad(data: bytes) -> bytes:
    n = 32 - len(data) % 32
    return data + bytes([n]) * n


BAD_CIPHERTEXTS = {
    "bad-base64": "!!!not base64!!!",
    "not-multiple-of-16": "QUJDREVGR0hJSg==",
    "bad-padding-byte": _raw_ciphertext(_pad(_frame(text_xml("x").encode()))[:-2] + b"\x01\x05"),
    "padding-zero": _raw_ciphertext(_frame(text_xml("x").encode()).ljust(480, b"\0")[:480]),
    "padding-over-32": _raw_ciphertext(_frame(text_xml("x").encode()).ljust(464, b"\0") + b"\x30" * 16),
    "oversized-length": _raw_ciphertext(_pad(_frame(text_xml("x").encode(), length=10**6))),
    "wrong-appid": _raw_ciphertext(_pad(_frame(text_xml("x").encode(), appid=b"wxATTACKER00000000"))),
    "inner-xxe": _raw_ciphertext(_pad(_frame(XXE.encode()))),
    "inner-billion-laughs": _raw_ciphertext(_pad(_frame(BILLION_LAUGHS.encode()))),
    "inner-not-utf8": _raw_ciphertext(_pad(_frame(b"<xml>\xff\xfe</xml>"))),
}


@pytest.mark.parametrize("name", sorted(BAD_CIPHERTEXTS))
def test_bad_ciphertext_is_4xx(serve, bot, name):
    peer = serve()
    encrypt = BAD_CIPHERTEXTS[name]
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    response = peer.post(_safe_query_for(peer, encrypt), body.encode())
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert bot.calls == []


def test_well_formed_raw_ciphertext_control(serve, bot):
    """The helpers that build the broken messages above build a valid one when nothing is broken."""
    peer = serve()
    encrypt = _raw_ciphertext(_pad(_frame(text_xml("对照").encode())))
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    assert peer.reply_text(peer.post(_safe_query_for(peer, encrypt), body.encode()), "safe") == "收到：对照"


# -- slow turns, long answers, buttons ---------------------------------------------------------------


def test_slow_turn_answers_success_then_customer_service(serve, bot, wechat_api):
    peer = serve(reply_deadline=0.2)
    bot.gate = threading.Event()
    response = peer.send(text_xml("慢慢来", msg_id=900))
    assert (response.status_code, response.text) == (200, "success")
    # A retry while the turn is still running gets the same answer and does not run it again.
    assert peer.send(text_xml("慢慢来", msg_id=900)).text == "success"
    bot.gate.set()
    assert wechat_api.wait_for_sends(1) == ["收到：慢慢来"]
    send = wechat_api.recorded("/cgi-bin/message/custom/send")[0]
    assert send["json"] == {"touser": OPENID, "msgtype": "text", "text": {"content": "收到：慢慢来"}}
    assert "慢慢来".encode() in send["raw"]  # Chinese sent as UTF-8, not \\u escapes
    token_fetch = wechat_api.recorded("/cgi-bin/token")[0]
    assert token_fetch["query"] == {"grant_type": "client_credential", "appid": APPID, "secret": "s3cret"}
    assert send["query"]["access_token"] == "token-1"
    assert len(bot.calls) == 1


def test_slow_turn_refetches_token_on_40001(serve, bot, wechat_api):
    peer = serve(reply_deadline=0.2)
    wechat_api.rejected_tokens.add("token-1")
    bot.gate = threading.Event()
    assert peer.send(text_xml("慢", msg_id=901)).text == "success"
    bot.gate.set()
    assert wechat_api.wait_for_sends(1) == ["收到：慢"]
    sends = wechat_api.recorded("/cgi-bin/message/custom/send")
    assert [s["query"]["access_token"] for s in sends] == ["token-1", "token-2"]
    assert len(wechat_api.recorded("/cgi-bin/token")) == 2


def test_long_answer_is_split_first_part_passive_rest_customer_service(serve, bot, wechat_api):
    peer = serve()
    sentence = "符合条件的人员可以申请一次性求职创业补贴。"  # 63 bytes
    long_text = sentence * 100  # 6300 bytes
    bot.answer = lambda text: [{"text": long_text}]
    first = peer.reply_text(peer.send(text_xml("补贴")))
    rest = wechat_api.wait_for_sends(3)
    parts = [first, *rest]
    assert len(parts) == 4
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == long_text


def test_several_bot_messages_join_with_blank_lines(serve, bot):
    peer = serve()
    bot.answer = lambda text: [{"text": "第一段。"}, {"text": "第二段。"}]
    assert peer.reply_text(peer.send(text_xml("你好"))) == "第一段。\n\n第二段。"


def test_buttons_become_numbered_choices_and_numbers_map_back(serve, bot):
    peer = serve()
    buttons = [
        {"title": "是", "payload": '/affirm{"answer": "yes"}'},
        {"title": "否", "payload": "/deny"},
    ]

    def answer(text):
        if text == "我要登记":
            return [{"text": "您是否已办理失业登记？", "buttons": buttons}]
        return [{"text": f"收到：{text}"}]

    bot.answer = answer
    reply = peer.reply_text(peer.send(text_xml("我要登记", msg_id=1)))
    assert reply == "您是否已办理失业登记？\n回复 1：是\n回复 2：否"
    assert peer.reply_text(peer.send(text_xml("１", msg_id=2))) == '收到：/affirm{"answer": "yes"}'
    # The choices were used up by that turn: a later "2" is plain text again.
    assert peer.reply_text(peer.send(text_xml("2", msg_id=3))) == "收到：2"
    assert bot.texts == ["我要登记", '/affirm{"answer": "yes"}', "2"]


def test_numeric_reply_out_of_range_stays_text(serve, bot):
    peer = serve()
    bot.answer = lambda text: [{"text": "请选择", "buttons": [{"title": "A", "payload": "/a"}]}]
    peer.send(text_xml("开始", msg_id=1))
    peer.send(text_xml("3", msg_id=2))
    assert bot.texts == ["开始", "3"]


def test_choices_are_per_openid_and_shared_through_redis(serve, bot, redis_url, redis_prefix):
    env = {"REDIS_URL": redis_url}
    peer_a = serve(env=env, key_prefix=redis_prefix)
    peer_b = serve(env=env, key_prefix=redis_prefix)
    bot.answer = lambda text: (
        [{"text": "请选择", "buttons": [{"title": "查进度", "payload": "/check_status"}]}]
        if text == "菜单"
        else [{"text": f"收到：{text}"}]
    )
    peer_a.send(text_xml("菜单", msg_id=1))
    assert peer_b.send(text_xml("1", msg_id=2, openid="oSomeoneElse")).status_code == 200
    assert peer_b.reply_text(peer_b.send(text_xml("1", msg_id=3))) == "收到：/check_status"
    assert bot.texts == ["菜单", "1", "/check_status"]


def test_failing_turn_apologises_without_trace(serve, bot):
    peer = serve()

    def boom(text):
        raise RuntimeError("secret internals")

    bot.answer = boom
    response = peer.send(text_xml("你好"))
    reply = peer.reply_text(response)
    assert reply is not None and "抱歉" in reply
    assert "secret internals" not in response.text


def test_health_route(serve):
    peer = serve()
    response = requests.get(peer.url.removesuffix("webhook"), timeout=10)
    assert response.json() == {"status": "ok"}


def test_logs_mask_id_and_phone_numbers(serve, bot, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.channels.wechat")
    peer = serve()
    text = "我的身份证号是371302199001011234，电话13812345678"
    assert peer.reply_text(peer.send(text_xml(text))) == f"收到：{text}"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "WeChat text from" in logged  # the message was logged, masked
    assert "371302199001011234" not in logged
    assert "13812345678" not in logged


def test_redis_down_the_message_is_still_answered_once(serve, bot):
    """Chosen behaviour: with Redis unreachable the process answers and de-duplicates on its own."""
    peer = serve(env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    first = peer.send(text_xml("你好", msg_id=4242))
    assert first.status_code == 200 and "<xml>" in first.text
    query, body = peer.build(text_xml("你好", msg_id=4242), "plain", None)
    retry = peer.post(query, body)  # WeChat's retry of the same delivery
    assert retry.status_code == 200
    assert len(bot.calls) == 1

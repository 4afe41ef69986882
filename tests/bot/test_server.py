"""End to end: `python -m bot serve` starts the real action server and Rasa with the trained model."""

from __future__ import annotations

import hashlib
import secrets
import time

import requests
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto


def test_greeting_is_chinese_and_says_what_it_can_do(servers) -> None:
    text = servers.say("u1", "你好")
    assert "就业帮扶助手" in text and "政策" in text and "转人工" in text


def test_policy_question_is_answered_by_the_action_server(servers) -> None:
    text = servers.say("u2", "公益性岗位的劳动合同一次最多签多久")
    assert "1年" in text and "依据：临人社字〔2021〕88号 第（七）条" in text
    followup = servers.say("u2", "原文")
    assert "劳动合同或劳务协议每次签订期限不超过1年" in followup


def test_human_handoff_offers_the_hotline(servers) -> None:
    text = servers.say("u3", "我要转人工")
    assert "12333" in text


def test_action_server_health(servers) -> None:
    response = requests.get(f"{servers.actions}/health", timeout=5)
    assert response.status_code == 200 and response.json().get("status") == "ok"


def test_http_api_requires_the_token(servers) -> None:
    assert requests.get(f"{servers.rasa}/status", timeout=5).status_code == 401
    assert requests.get(f"{servers.rasa}/status", params={"token": "wrong"}, timeout=5).status_code == 401
    assert requests.get(f"{servers.rasa}/status", params={"token": servers.token}, timeout=5).status_code == 200


def _wechat_query(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **(extra or {})}


def _text_xml(content: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_e2e]]></ToUserName><FromUserName><![CDATA[o_e2e_user]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def test_wechat_plaintext_message_is_refused_while_a_key_is_set(servers) -> None:
    """With an EncodingAESKey configured only signed ciphertext is believed (WECHAT_ACCEPT_PLAINTEXT is not set)."""
    url = f"{servers.rasa}/webhooks/wechat/webhook"
    body = _text_xml("你好", 7_000_001).encode()
    response = requests.post(url, params=_wechat_query(servers.wechat_token), data=body, timeout=30)
    assert response.status_code == 403 and "就业帮扶助手" not in response.text


def test_wechat_safe_mode_round_trip(servers) -> None:
    url = f"{servers.rasa}/webhooks/wechat/webhook"
    crypto = WeChatCrypto(servers.wechat_token, servers.wechat_aes_key, servers.wechat_appid)
    query = _wechat_query(servers.wechat_token)
    signed = xmltodict.parse(
        crypto.encrypt_message(_text_xml("公益岗合同签几年", 7_000_002), query["nonce"], query["timestamp"])
    )["xml"]
    query.update(encrypt_type="aes", msg_signature=signed["MsgSignature"])
    body = f"<xml><ToUserName><![CDATA[gh_e2e]]></ToUserName><Encrypt><![CDATA[{signed['Encrypt']}]]></Encrypt></xml>"
    response = requests.post(url, params=query, data=body.encode(), timeout=30)
    assert response.status_code == 200
    envelope = xmltodict.parse(response.content)["xml"]
    plain = crypto.decrypt_message(response.content, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    reply = parse_message(plain)
    assert "1年" in reply.content and "第（七）条" in reply.content


def test_wechat_forged_signature_is_refused(servers) -> None:
    url = f"{servers.rasa}/webhooks/wechat/webhook"
    query = _wechat_query(servers.wechat_token)
    query["signature"] = "0" * 40
    response = requests.post(url, params=query, data=_text_xml("你好", 7_000_003).encode(), timeout=30)
    assert response.status_code == 403

"""End to end: `python -m bot serve` starts the real action server and Rasa with the trained model."""

from __future__ import annotations

import requests


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

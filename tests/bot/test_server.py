"""End to end: `python -m bot serve` starts the real action server and Rasa with the trained model."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-for-the-http-api"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Servers:
    rasa: str
    actions: str
    process: subprocess.Popen


@pytest.fixture(scope="module")
def servers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    rasa_port, actions_port = _free_port(), _free_port()
    db = tmp_path_factory.mktemp("db") / "cases.db"
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        RASA_API_TOKEN=TOKEN,
        ASSISTANT_TODAY="2026-11-28",
        CASE_DB_URL=f"sqlite:///{db}",
    )
    log = (tmp_path_factory.mktemp("logs") / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    rasa = f"http://127.0.0.1:{rasa_port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"bot serve exited early; log: {Path(log.name).read_text()[-3000:]}")
        try:
            if requests.get(f"{rasa}/status", params={"token": TOKEN}, timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        time.sleep(1)
    else:
        pytest.fail("Rasa did not come up within 300 s")
    yield Servers(rasa=rasa, actions=f"http://127.0.0.1:{actions_port}", process=proc)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    finally:
        log.close()


def _say(servers: Servers, sender: str, text: str) -> list[dict]:
    response = requests.post(
        f"{servers.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    response.raise_for_status()
    return response.json()


def test_greeting_is_chinese_and_says_what_it_can_do(servers: Servers) -> None:
    replies = _say(servers, "u1", "你好")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "就业帮扶助手" in text and "政策" in text and "转人工" in text


def test_policy_question_is_answered_by_the_action_server(servers: Servers) -> None:
    text = "\n".join(r.get("text", "") for r in _say(servers, "u2", "公益性岗位的劳动合同一次最多签多久"))
    assert "1年" in text and "依据：临人社字〔2021〕88号 第（七）条" in text
    followup = "\n".join(r.get("text", "") for r in _say(servers, "u2", "原文"))
    assert "劳动合同或劳务协议每次签订期限不超过1年" in followup


def test_human_handoff_offers_the_hotline(servers: Servers) -> None:
    text = "\n".join(r.get("text", "") for r in _say(servers, "u3", "我要转人工"))
    assert "12333" in text


def test_action_server_health(servers: Servers) -> None:
    response = requests.get(f"{servers.actions}/health", timeout=5)
    assert response.status_code == 200 and response.json().get("status") == "ok"


def test_http_api_requires_the_token(servers: Servers) -> None:
    assert requests.get(f"{servers.rasa}/status", timeout=5).status_code == 401
    assert requests.get(f"{servers.rasa}/status", params={"token": "wrong"}, timeout=5).status_code == 401
    assert requests.get(f"{servers.rasa}/status", params={"token": TOKEN}, timeout=5).status_code == 200

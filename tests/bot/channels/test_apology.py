"""An action server that is down gives the user a short apology, never silence (real model, real Rasa agent)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig

from bot.channels.apology import APOLOGY, with_apology

MODEL = Path(__file__).resolve().parents[3] / "models" / "assistant.tar.gz"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture(scope="module")
def agent_without_action_server() -> Agent:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{_closed_port()}/webhook")
    return Agent.load(str(MODEL), action_endpoint=endpoint)


async def _turn(handler, sender: str, text: str) -> list[str]:
    collector = CollectingOutputChannel()
    await handler(UserMessage(text, collector, sender_id=sender, input_channel="rest"))
    return [m.get("text", "") for m in collector.messages]


async def test_failed_action_is_followed_by_an_apology(agent_without_action_server: Agent) -> None:
    handler = with_apology(agent_without_action_server.handle_message)
    assert await _turn(agent_without_action_server.handle_message, "bare", "公益岗合同签几年") == []  # Rasa: silence
    assert await _turn(handler, "wrapped", "公益岗合同签几年") == [APOLOGY]


async def test_a_turn_without_custom_actions_gets_no_apology(agent_without_action_server: Agent) -> None:
    handler = with_apology(agent_without_action_server.handle_message)
    replies = await _turn(handler, "hello", "你好")
    assert replies and APOLOGY not in replies

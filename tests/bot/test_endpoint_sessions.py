"""Calls to the action server reuse their connections: one kept-open session per endpoint, ujson bodies."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from loopback import aiohttp_server
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_runtime import endpoint_sessions


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    """Apply the patch for one test; Rasa's own method is put back afterwards."""
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(endpoint_sessions, "_original", {})
    assert endpoint_sessions.apply()


@pytest.fixture
async def action_server():
    """A real HTTP server on loopback that records the client port of every request and the bodies it got."""
    seen: dict = {"ports": [], "bodies": []}

    async def webhook(request: web.Request) -> web.Response:
        seen["bodies"].append(await request.json())
        seen["ports"].append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [{"event": "slot", "name": "county", "value": "兰山区"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    async with aiohttp_server(app, keepalive_timeout=1.0) as base:  # closes idle connections, as Sanic does
        yield f"{base}/webhook", seen


async def _call(endpoint: EndpointConfig) -> list:
    user = UserUttered("公益岗合同签几年", {"name": "ask", "confidence": 0.875})
    tracker = DialogueStateTracker.from_events("u1", [user])
    action = RemoteAction("action_answer_policy", endpoint)
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, Domain.empty())


def test_written_for_the_installed_rasa():
    """Fails after a Rasa upgrade (version or the sources of session and request): review the patch then."""
    import rasa

    assert rasa.__version__ == endpoint_sessions.PINNED_RASA
    assert endpoint_sessions.matches_installed_rasa()


async def test_calls_reuse_one_connection(patched, action_server):
    url, seen = action_server
    endpoint = EndpointConfig(url, headers={"X-Actions-Token": "t"})
    for _ in range(5):
        events = await _call(endpoint)
        assert [(e.key, e.value) for e in events] == [("county", "兰山区")]
    assert len(set(seen["ports"])) == 1, seen["ports"]  # Rasa alone: a new connection for each of the five


async def test_rasa_alone_connects_for_every_call(action_server):
    """What the patch changes (this passes with or without it installed elsewhere: it uses Rasa's own method)."""
    url, seen = action_server
    endpoint = EndpointConfig(url)
    for _ in range(3):
        await _call(endpoint)
    assert len(set(seen["ports"])) == 3


async def test_the_body_is_the_same_json(patched, action_server):
    url, seen = action_server
    await _call(EndpointConfig(url))
    body = seen["bodies"][0]
    assert body["next_action"] == "action_answer_policy"
    user = body["tracker"]["latest_message"]
    assert user["text"] == "公益岗合同签几年" and user["intent"]["confidence"] == 0.875


async def test_a_call_after_the_server_let_the_connection_go_succeeds(patched, action_server, monkeypatch):
    url, seen = action_server
    endpoint = EndpointConfig(url)
    await _call(endpoint)
    await asyncio.sleep(1.5)  # longer than the server keeps an idle connection
    assert await _call(endpoint)
    assert len(seen["bodies"]) == 2


def test_what_the_standard_library_encodes_is_still_encoded():
    import json
    import math

    assert math.isnan(json.loads(endpoint_sessions.dumps({"confidence": float("nan")}))["confidence"])
    assert json.loads(endpoint_sessions.dumps({"t": 1764554400.123456, "text": "公益岗/合同"})) == {
        "t": 1764554400.123456,
        "text": "公益岗/合同",
    }


def test_other_rasa_version_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    import rasa

    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(endpoint_sessions, "_original", {})
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    before = EndpointConfig.session
    assert endpoint_sessions.apply() is False
    assert EndpointConfig.session is before
    assert not endpoint_sessions.is_applied()

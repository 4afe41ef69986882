"""The pinned Rasa fixes: still matching the installed Rasa, and behaving exactly like the code they replace."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aiohttp import web
from jsonschema import ValidationError
from loopback import aiohttp_server
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_runtime import action_validation, event_lookup
from bot.settings import PROJECT_ROOT

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "county", "value": "兰山区"}], "responses": [{"text": "好的"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "utter_greet"}]},
    {"events": [{"event": "bot", "text": "您好", "data": {}}], "responses": [{"response": "utter_greet"}]},
]
INVALID = [
    [],
    {"events": "slot"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "county", "value": 1}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"responses": ["您好"]},
    {"responses": {"text": "您好"}},
]


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    """Apply the patch for one test; Rasa's own method is put back afterwards."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(action_validation, "_original", None)
    assert action_validation.apply()
    return RemoteAction._validate_action_result


def test_written_for_the_installed_rasa():
    """Fails after a Rasa upgrade (version or the patched method's source): review the patch then."""
    import rasa

    assert rasa.__version__ == action_validation.PINNED_RASA
    assert action_validation.matches_installed_rasa()


def test_spec_is_what_rasa_validates_against():
    """The compiled validator is built from Rasa's own spec, which uses the events schema."""
    from rasa.shared.utils.schemas.events import EVENTS_SCHEMA

    spec = RemoteAction.action_response_format_spec()
    assert spec["properties"]["events"] is EVENTS_SCHEMA
    assert action_validation.build_validator(spec).schema is spec


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass_as_before(patched, response):
    action = RemoteAction("action_x", None)
    assert action_validation.original()(action, response) is True
    assert patched(action, response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_are_rejected_with_rasas_error(patched, response):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as before:
        action_validation.original()(action, response)
    with pytest.raises(ValidationError) as after:
        patched(action, response)
    assert after.value.message == before.value.message
    assert "Failed to validate Action server response" in after.value.message
    assert list(after.value.path) == list(before.value.path)


def _rasa_events() -> list[dict]:
    """One event of each common kind, as Rasa itself writes them."""
    from rasa.shared.core import events as ev

    made = [
        ev.UserUttered("您好", {"name": "greet", "confidence": 0.9}, [{"entity": "county", "value": "兰山区"}]),
        ev.BotUttered("您好", {"buttons": [{"title": "是", "payload": "/affirm"}]}),
        ev.SlotSet("county", "兰山区"),
        ev.SlotSet("trip", {"date": "2026-12-07", "people": 2}),
        ev.ActiveLoop("transport_form"),
        ev.ActiveLoop(None),
        ev.ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
        ev.SessionStarted(),
        ev.Restarted(),
        ev.FollowupAction("utter_greet"),
        ev.ActionReverted(),
        ev.UserUtteranceReverted(),
        ev.AllSlotsReset(),
        ev.ConversationPaused(),
        ev.ConversationResumed(),
        ev.LoopInterrupted(True),
        ev.ActionExecutionRejected("action_x"),
        ev.ReminderCancelled(name="r"),
    ]
    return [event.as_dict() for event in made]


def _variants() -> list:
    """Valid and invalid responses, and every Rasa event with each of its fields replaced by a wrong type."""
    events = _rasa_events()
    responses = [*VALID, *INVALID, {"events": events}, {"events": [{"event": name} for name in _kind_names()]}]
    for event in events:
        responses.append({"events": [event]})
        for key in event:
            for wrong in (3, 1.5, "x", None, [], {}, True):
                responses.append({"events": [{**event, key: wrong}]})
        responses.append({"events": [{k: v for k, v in event.items() if k != "event"}]})
    return responses


def _kind_names() -> list[str]:
    check = action_validation.EventKindCheck.for_spec(RemoteAction.action_response_format_spec())
    assert check is not None
    return sorted(check._kinds)


def test_each_event_kind_is_told_apart_by_its_name():
    """The shortcut applies to Rasa's spec: every kind of event requires its own name (after an upgrade, review)."""
    names = _kind_names()
    assert {"user", "bot", "slot", "action", "active_loop", "session_started"} <= set(names)


def test_event_kind_check_accepts_exactly_what_the_whole_schema_accepts():
    """On hundreds of valid and invalid responses the shortcut and the full validation agree, both ways."""
    from jsonschema.exceptions import best_match

    spec = RemoteAction.action_response_format_spec()
    full = action_validation.build_validator(spec)
    check = action_validation.EventKindCheck.for_spec(spec)
    assert check is not None
    variants = _variants()
    verdicts = [(check.accepts(r), best_match(full.iter_errors(r)) is None) for r in variants]
    assert all(fast == whole for fast, whole in verdicts), [
        r for r, v in zip(variants, verdicts, strict=True) if v[0] != v[1]
    ]
    assert sum(whole for _, whole in verdicts) > 20 and sum(not whole for _, whole in verdicts) > 20


def test_spec_without_named_kinds_gets_no_shortcut():
    """A oneOf whose branches do not each name their event leaves everything to the full validator."""
    spec = {"type": "object", "properties": {"events": {"type": "array", "items": {"oneOf": [{"type": "object"}]}}}}
    assert action_validation.EventKindCheck.for_spec(spec) is None
    assert action_validation.EventKindCheck.for_spec({"type": "object"}) is None


def test_other_rasa_version_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    import rasa

    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(action_validation, "_original", None)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    before = RemoteAction._validate_action_result
    assert action_validation.apply() is False
    assert RemoteAction._validate_action_result is before
    assert not action_validation.is_applied()


@pytest.fixture
async def action_server():
    """A real HTTP action server on loopback whose reply each test chooses."""
    state: dict = {"reply": {}}

    async def webhook(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response(state["reply"])

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    async with aiohttp_server(app) as base:
        yield f"{base}/webhook", state


async def _run_remote(url: str):
    domain = Domain.empty()
    tracker = DialogueStateTracker("u1", [])
    action = RemoteAction("action_x", EndpointConfig(url))
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain)


async def test_rasa_still_rejects_an_invalid_action_server_reply(patched, action_server):
    url, state = action_server
    state["reply"] = {"events": [{"event": "slot", "name": "county", "value": "兰山区"}], "responses": []}
    events = await _run_remote(url)
    assert [(e.key, e.value) for e in events] == [("county", "兰山区")]

    state["reply"] = {"events": [{"event": "no_such_event"}], "responses": [{"text": "不该发出"}]}
    with pytest.raises(ValidationError):
        await _run_remote(url)


def test_launcher_applies_the_fixes_in_the_rasa_process():
    """``python -m bot.rasa_runtime`` is Rasa's command line with the patch in place."""
    code = (
        "import sys; sys.argv = ['x', '--version']\n"
        "from bot.rasa_runtime.__main__ import main\n"
        "main()\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "from rasa.shared.core.events import Event\n"
        "from sanic.server import runners\n"
        "from rasa.utils.endpoints import EndpointConfig\n"
        "from bot.rasa_runtime import gc_freeze\n"
        "assert gc_freeze.is_applied()\n"
        "print('patched', RemoteAction._validate_action_result.__module__, Event.resolve_by_type.__module__,"
        " runners.serve.__module__, EndpointConfig.session.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    assert "Rasa Version" in out.stdout
    patched = (
        "bot.rasa_runtime.action_validation bot.rasa_runtime.event_lookup bot.rasa_runtime.worker_sockets"
        " bot.rasa_runtime.endpoint_sessions"
    )
    assert f"patched {patched}" in out.stdout


@pytest.fixture
def event_lookup_patched(monkeypatch: pytest.MonkeyPatch):
    """Apply the event-lookup patch for one test; Rasa's own method is put back afterwards."""
    from rasa.shared.core.events import Event

    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    monkeypatch.setattr(event_lookup, "_original", None)
    assert event_lookup.apply()
    return Event.resolve_by_type


def test_event_lookup_written_for_the_installed_rasa():
    """Fails after a Rasa upgrade (version or the patched method's source): review the patch then."""
    assert event_lookup.matches_installed_rasa()


def test_every_event_type_resolves_to_rasas_class(event_lookup_patched):
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "active_loop", "session_started"} <= names
    for name in names:
        assert event_lookup_patched(name) is event_lookup.original()(name)


def test_unknown_names_and_defaults_behave_as_in_rasa(event_lookup_patched):
    from rasa.shared.core.events import SlotSet

    assert event_lookup_patched("topic") is None
    assert event_lookup_patched("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        event_lookup_patched("no_such_event")


def test_stored_conversations_come_back_the_same(event_lookup_patched):
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered, deserialise_events

    events = [
        UserUttered("你好", {"name": "greet", "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        SlotSet("county", "兰山区"),
    ]
    assert deserialise_events([e.as_dict() for e in events]) == events


def test_event_lookup_leaves_other_rasa_versions_alone(monkeypatch: pytest.MonkeyPatch):
    import rasa
    from rasa.shared.core.events import Event

    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    monkeypatch.setattr(event_lookup, "_original", None)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert event_lookup.apply() is False
    assert not event_lookup.is_applied()

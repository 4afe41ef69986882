"""The continued session: pinned to Rasa, the same state for the next prediction, invisible to analytics."""

from __future__ import annotations

import pytest
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.analytics.redact import Redactor, redact_event
from bot.rasa_runtime import session_rollover as sr
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _turn(intent: str, text: str) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.95}),
        ActionExecuted("action_answer_policy"),
        SlotSet("last_clause", "七"),
        BotUttered("……"),
        ActionExecuted("action_listen"),
    ]


def _conversation(domain: Domain, turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    events += [SlotSet("county", "兰山区"), SlotSet("id_number", "371321199207081535")]
    for n in range(turns):
        events += _turn("ask_public_welfare_job", f"问题{n}")
    return DialogueStateTracker.from_events("c", events, domain.slots)


def _latest_session(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
    """What the tracker store gives back next turn: the events from the latest session start."""
    events = list(tracker.events)
    start = max(i for i, e in enumerate(events) if isinstance(e, SessionStarted))
    return DialogueStateTracker.from_events(tracker.sender_id, events[start:], domain.slots)


def test_written_for_the_installed_rasa() -> None:
    """Fails after a Rasa upgrade (version or the patched method's source): review the patch then."""
    assert sr.matches_installed_rasa()


def test_other_rasa_versions_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(MessageProcessor, "_update_tracker_session", MessageProcessor._update_tracker_session)
    monkeypatch.setattr(sr, "_original", None)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert sr.apply(10) is False and not sr.is_applied()


def test_the_next_prediction_sees_the_same_state(domain) -> None:
    tracker = _conversation(domain, 12)
    assert sr.should_continue(tracker, 10)
    continued = _conversation(domain, 12)
    continued.update_with_events(sr.continuation_events(continued), domain)
    next_turn = UserUttered("帮扶车间有补贴吗", {"name": "ask_workshop_subsidy", "confidence": 0.9})
    tracker.update(next_turn)
    resumed = _latest_session(continued, domain)
    resumed.update(next_turn)

    assert resumed.current_slot_values() == tracker.current_slot_values()
    assert domain.states_for_tracker_history(resumed)[-1] == domain.states_for_tracker_history(tracker)[-1]
    assert len(resumed.events) < len(tracker.events) / 5  # what the next turns replay
    assert sr.user_turns_in_session(resumed) == 1


def test_no_continuation_inside_a_form_while_paused_or_before_the_limit(domain) -> None:
    assert not sr.should_continue(_conversation(domain, 9), 10)
    assert not sr.should_continue(_conversation(domain, 30), 0)  # turned off
    in_form = _conversation(domain, 12)
    in_form.update(ActiveLoop("transport_form"))
    assert not sr.should_continue(in_form, 10)
    paused = _conversation(domain, 12)
    paused.update(ConversationPaused())
    assert not sr.should_continue(paused, 10)


def test_analytics_never_sees_a_continuation(domain) -> None:
    tracker = _conversation(domain, 12)
    marks = [{"sender_id": "c", **event.as_dict()} for event in sr.continuation_events(tracker)]
    assert {m["event"] for m in marks} == {"action", "session_started", "slot"}
    assert all(redact_event(m) is None for m in marks)
    redactor = Redactor()
    assert all(redactor.redact(m) is None for m in marks)
    real_start = {"sender_id": "c", **SessionStarted().as_dict()}
    assert redact_event(real_start) is not None  # a real new session still counts

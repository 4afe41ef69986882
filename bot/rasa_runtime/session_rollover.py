"""A long conversation continues in a new Rasa session every few user turns, outside forms.

Rasa 3.6.21 rebuilds, replays and featurises the conversation's whole current session on every turn (the rule
policy turns every earlier action into a state, ``applied_events`` walks every event several times), and sends
all of it to the action server with every call; so a turn costs more the longer the session, about three times
as much at turn 80 as at turn 10 (the bare-Rasa floor of ``make bench`` too). Rasa bounds a session only when it
expires (``session_expiration_time``, 60 minutes without a message).

Replacing ``MessageProcessor._update_tracker_session``: Rasa's own check runs first (a new or expired session
starts as before, slots not carried over); then, when the current session already has ``session_turns`` user
messages, no form is active, the conversation is not paused (a person has taken it over) and no follow-up
action is pending, the session is *continued*: the events Rasa writes for a session start with slots carried
over — ``action_session_start``, ``session_started``, one ``slot`` event per slot that has been set, with its
current value, ``action_listen`` — each marked ``metadata={"session_continued": True}``, so the analytics
broker ignores them (no new conversation is counted). What the new session loses is what no prediction reads:
every rule outside a form looks at the current user turn alone (data/rules/: each rule over several turns
is conditioned on an active loop), and a form never spans a continuation. The full history of every session
stays in the tracker store (Rasa's HTTP API and the console read all sessions).

Pinned like :mod:`bot.rasa_runtime.action_validation`: applied only to ``PINNED_RASA`` with the method source
``ORIGINAL_SHA256``; otherwise Rasa is left as it is, with a warning.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_runtime import pinned

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(MessageProcessor._update_tracker_session) in rasa 3.6.21.
ORIGINAL_SHA256 = "b0d44217b5ca28ba5b5702ac4f37315d00f9e3e8f5e720ecff3ef727c0d05331"
MARK = "session_continued"
DEFAULT_SESSION_TURNS = 10

_original: Any = None


def original() -> Any:
    """Rasa's own ``MessageProcessor._update_tracker_session`` (whether or not it was replaced)."""
    from rasa.core.processor import MessageProcessor

    return _original or MessageProcessor._update_tracker_session


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa

    return pinned.matches(rasa.__version__, PINNED_RASA, (original(),), (ORIGINAL_SHA256,))


def user_turns_in_session(tracker: Any) -> int:
    """User messages since the latest ``session_started`` (or restart) of ``tracker``."""
    from rasa.shared.core.events import Restarted, SessionStarted, UserUttered

    turns = 0
    for event in reversed(tracker.events):
        if isinstance(event, (SessionStarted, Restarted)):
            break
        turns += isinstance(event, UserUttered)
    return turns


def should_continue(tracker: Any, session_turns: int) -> bool:
    """Whether the turn about to start should open a continued session."""
    return (
        session_turns > 0
        and tracker.active_loop_name is None
        and not tracker.is_paused()
        and tracker.followup_action is None
        and user_turns_in_session(tracker) >= session_turns
    )


def continuation_events(tracker: Any) -> list[Any]:
    """The events of a session start that carries every slot that has been set over, each marked."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    mark = {MARK: True}
    slots = [
        SlotSet(slot.name, slot.value, metadata=dict(mark)) for slot in tracker.slots.values() if slot.has_been_set
    ]
    return [
        ActionExecuted(ACTION_SESSION_START_NAME, metadata=dict(mark)),
        SessionStarted(metadata=dict(mark)),
        *slots,
        ActionExecuted(ACTION_LISTEN_NAME, metadata=dict(mark)),
    ]


def is_continuation(event: dict[str, Any]) -> bool:
    """Whether a serialised event belongs to a continued session's start."""
    return bool((event.get("metadata") or {}).get(MARK))


def apply(session_turns: int = DEFAULT_SESSION_TURNS) -> bool:
    """Replace ``MessageProcessor._update_tracker_session``; returns whether it was replaced."""
    global _original
    import rasa
    from rasa.core.processor import MessageProcessor

    if _original is not None:
        return True
    if not matches_installed_rasa():
        return pinned.refused("rasa", rasa.__version__, PINNED_RASA, __name__, "Rasa starts sessions itself")
    rasa_update = MessageProcessor._update_tracker_session

    async def _update_tracker_session(
        self: Any, tracker: Any, output_channel: Any, metadata: dict[str, Any] | None = None
    ) -> None:
        await rasa_update(self, tracker, output_channel, metadata)
        if should_continue(tracker, session_turns):
            tracker.update_with_events(continuation_events(tracker), self.domain)

    _original = rasa_update
    MessageProcessor._update_tracker_session = _update_tracker_session  # type: ignore[method-assign]
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the method in this process."""
    return _original is not None

"""Redaction of Rasa events before they leave the Rasa process, and keyed hashes for sender ids.

Only what the dashboard needs survives: the event type, time, channel, intent and its confidence, the
message text with ID and phone numbers masked, action names, and the values of the few slots that carry no
personal data (the county and the clause asked). Entities, other slot values, bot texts and metadata are
dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from bot.privacy import PERSONAL_SLOTS, mask_pii
from bot.rasa_runtime.session_rollover import is_continuation

MAX_TEXT = 500
# Slots whose values say nothing about who the user is (requested_slot holds a slot's name).
KEPT_SLOT_VALUES = frozenset({"county", "last_clause", "person_category", "requested_slot"})
# What replaces the text of a message that answered a question for personal data (a name has no pattern to mask).
PERSONAL_ANSWER = "（个人信息，未记录）"
_REMEMBERED_SENDERS = 10_000
KEPT_EVENTS = frozenset({"user", "bot", "action", "slot", "session_started", "pause", "resume", "restart"})


def redact_event(event: dict[str, Any], asked: str | None = None) -> dict[str, Any] | None:
    """A copy of a Rasa event as broadcast by the tracker store, with personal data removed.

    Args:
        event: the event dictionary (``Event.as_dict()`` plus ``sender_id``).
        asked: the slot the assistant was asking for when a user message came (its text is dropped when the
            slot is personal: the answer to "您的姓名" is a name).

    Returns:
        The redacted event, or ``None`` for event types the dashboard does not use and for the events that
        continue a long conversation in a new session (:mod:`bot.rasa_runtime.session_rollover`).
    """
    kind = event.get("event")
    if kind not in KEPT_EVENTS or is_continuation(event):  # a long conversation's next session: no news
        return None
    out: dict[str, Any] = {
        "event": kind,
        "timestamp": event.get("timestamp"),
        "sender_id": event.get("sender_id"),
    }
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        text = PERSONAL_ANSWER if asked in PERSONAL_SLOTS else str(event.get("text") or "")
        out["text"] = mask_pii(text)[:MAX_TEXT]
        out["input_channel"] = event.get("input_channel")
        out["message_id"] = event.get("message_id")
        out["parse_data"] = {"intent": {"name": intent.get("name"), "confidence": intent.get("confidence")}}
    elif kind == "action":
        out["name"] = event.get("name")
    elif kind == "slot":
        out["name"] = event.get("name")
        value = event.get("value")
        out["value"] = value if event.get("name") in KEPT_SLOT_VALUES and isinstance(value, str) else None
    return out


class Redactor:
    """:func:`redact_event` for a stream of events, remembering what each sender was last asked for.

    The memory is per process and bounded (the latest 10 000 senders): where a conversation's turns are spread
    over several Rasa processes, a process that did not see the question keeps the masked text.
    """

    def __init__(self) -> None:
        self._asked: OrderedDict[str, str | None] = OrderedDict()

    def redact(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The redacted event (see :func:`redact_event`)."""
        sender = str(event.get("sender_id") or "")
        out = redact_event(event, self._asked.get(sender))
        if out is not None and out["event"] == "slot" and out.get("name") == "requested_slot":
            self._asked[sender] = out.get("value")
            self._asked.move_to_end(sender)
            while len(self._asked) > _REMEMBERED_SENDERS:
                self._asked.popitem(last=False)
        elif out is not None and out["event"] in ("session_started", "restart"):
            self._asked.pop(sender, None)
        return out

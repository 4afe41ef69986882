"""Redaction of Rasa events before they leave the Rasa process, and keyed hashes for sender ids.

Only what the dashboard needs survives: the event type, time, channel, intent and its confidence, the
message text with ID and phone numbers masked, action names, and the values of the few slots that carry no
personal data (the county and the clause asked). Entities, other slot values, bot texts and metadata are
dropped.
"""

from __future__ import annotations

from typing import Any

from bot.privacy import mask_pii

MAX_TEXT = 500
# Slots whose values say nothing about who the user is.
KEPT_SLOT_VALUES = frozenset({"county", "last_clause", "person_category"})
KEPT_EVENTS = frozenset({"user", "bot", "action", "slot", "session_started", "pause", "resume", "restart"})


def redact_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of a Rasa event as broadcast by the tracker store, with personal data removed.

    Args:
        event: the event dictionary (``Event.as_dict()`` plus ``sender_id``).

    Returns:
        The redacted event, or ``None`` for event types the dashboard does not use.
    """
    kind = event.get("event")
    if kind not in KEPT_EVENTS:
        return None
    out: dict[str, Any] = {
        "event": kind,
        "timestamp": event.get("timestamp"),
        "sender_id": event.get("sender_id"),
    }
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        out["text"] = mask_pii(str(event.get("text") or ""))[:MAX_TEXT]
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

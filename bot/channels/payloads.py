"""Typed text is never a payload: only the buttons the assistant itself offered may carry ``/intent{…}``.

Rasa treats a message that starts with ``/`` as an intent with entities (``/check_status{"id_number": …}``),
skipping NLU. Channels pass what the user typed through :func:`as_user_text`, which leaves a payload the
assistant offered in its last reply (or a channel's own fixed message, like a menu click) as it is and turns
anything else into plain text by dropping the leading slashes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

INTENT_PREFIX = "/"


def _is_slash(char: str) -> bool:
    return unicodedata.normalize("NFKC", char) == INTENT_PREFIX


def as_user_text(text: str, offered: Collection[str] = ()) -> str:
    """``text`` unchanged when it is one of the ``offered`` payloads; else never starting with a slash."""
    if text in offered:
        return text
    stripped = text.lstrip()
    if not stripped or not _is_slash(stripped[0]):
        return text
    index = 0
    while index < len(stripped) and (_is_slash(stripped[index]) or stripped[index].isspace()):
        index += 1
    return stripped[index:] or "？"


def offered_payloads(messages: Iterable[dict[str, Any]]) -> list[str]:
    """The payloads of every button in the assistant's reply messages (in order)."""
    payloads: list[str] = []
    for message in messages:
        for button in message.get("buttons") or []:
            payload = button.get("payload") if isinstance(button, dict) else None
            if isinstance(payload, str) and payload:
                payloads.append(payload)
    return payloads

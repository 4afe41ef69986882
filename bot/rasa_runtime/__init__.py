"""Rasa as this project runs it: the ``rasa`` command line with a few small, pinned fixes applied first.

(:mod:`bot.rasa_runtime.worker_sockets` fixes Sanic, the web server under Rasa, in the same way.)

Each fix lives in its own module, names the Rasa version it was written against, and checks before patching
that the code it replaces is still the code it was written for; otherwise it leaves Rasa untouched and logs
why. ``python -m bot.rasa_runtime <rasa arguments>`` is what ``python -m bot serve`` starts.
"""

from __future__ import annotations

import logging

from bot.rasa_runtime import (
    action_validation,
    endpoint_sessions,
    event_lookup,
    gc_freeze,
    session_rollover,
    sparse_features,
    worker_sockets,
)

logger = logging.getLogger(__name__)

PATCHES = (action_validation, endpoint_sessions, event_lookup, gc_freeze, sparse_features, worker_sockets)


def apply_all(session_turns: int = session_rollover.DEFAULT_SESSION_TURNS) -> list[str]:
    """Apply every fix that matches the installed Rasa; returns the names of those applied.

    ``session_turns`` (``RASA_SESSION_TURNS``): user turns after which a session is continued in a new one
    (:mod:`bot.rasa_runtime.session_rollover`); 0 leaves Rasa's sessions as they are.
    """
    applied = []
    for patch in PATCHES:
        if patch.apply():
            applied.append(patch.__name__.rsplit(".", 1)[-1])
    if session_turns > 0 and session_rollover.apply(session_turns):
        applied.append("session_rollover")
    return applied

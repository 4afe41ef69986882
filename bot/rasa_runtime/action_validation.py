"""Validate action-server responses against a schema compiled once, not re-checked on every call.

Rasa 3.6.21's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, spec)`` for every
response of the action server. ``jsonschema.validate`` first checks the *schema* against its meta-schema
(draft 2020-12, as the spec names none) and builds a new validator, then validates: under load that is the
largest single cost of a turn in the Rasa process. The replacement below checks the same, unchanged spec once,
keeps one validator, and on each call does exactly what ``jsonschema.validate`` does after that point
(``best_match`` of the errors, raised with Rasa's own explanation appended). Invalid responses are rejected as
before, with the same error.

Most of what is left is the events' ``oneOf``: every event is tried against all event kinds, since ``oneOf``
needs exactly one match. Each kind requires its own ``event`` name (``const``), so an event can only match the
kind it names: :class:`EventKindCheck` validates the response without the ``oneOf`` and each event against the
one kind it names, which accepts exactly what the whole schema accepts. Whatever it does not accept goes
through the full validator, which gives the error.

The patch applies only to the Rasa version and the method source it was written for (``PINNED_RASA``,
``ORIGINAL_SHA256``); after an upgrade it leaves Rasa as it is and logs a warning, and the tests fail until
this module is reviewed against the new code.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
from typing import Any

from bot.rasa_runtime import pinned

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(RemoteAction._validate_action_result) in rasa 3.6.21.
ORIGINAL_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"

_original: Any = None


def original_source() -> str:
    """Source of the method as the installed Rasa defines it (before any patch)."""
    from rasa.core.actions.action import RemoteAction

    method = _original or RemoteAction._validate_action_result
    return inspect.getsource(method)


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa

    digest = hashlib.sha256(original_source().encode()).hexdigest()
    return rasa.__version__ == PINNED_RASA and digest == ORIGINAL_SHA256


def build_validator(spec: dict[str, Any]) -> Any:
    """A validator for ``spec``, chosen and checked as ``jsonschema.validate`` would (once)."""
    from jsonschema.validators import validator_for

    cls = validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


class EventKindCheck:
    """Accepts exactly the responses ``spec`` accepts, validating each event against the one kind it names.

    Args:
        spec: Rasa's action response spec; its events' ``oneOf`` branches must each require a distinct
            ``event`` name (:meth:`for_spec` returns ``None`` otherwise).
        kinds: The branch of each event name.
    """

    def __init__(self, spec: dict[str, Any], kinds: dict[str, dict[str, Any]]) -> None:
        shell = copy.deepcopy(spec)
        del shell["properties"]["events"]["items"]["oneOf"]
        self._shell = build_validator(shell)
        self._kinds = {name: build_validator(branch) for name, branch in kinds.items()}

    @classmethod
    def for_spec(cls, spec: dict[str, Any]) -> EventKindCheck | None:
        """The check for ``spec``, or ``None`` when its events' ``oneOf`` branches are not told apart by name."""
        try:
            branches = spec["properties"]["events"]["items"]["oneOf"]
        except (KeyError, TypeError):
            return None
        kinds: dict[str, dict[str, Any]] = {}
        for branch in branches:
            name = branch.get("properties", {}).get("event", {}).get("const")
            if not isinstance(name, str) or name in kinds:
                return None
            kinds[name] = branch
        return cls(spec, kinds)

    def accepts(self, result: Any) -> bool:
        """Whether ``spec`` accepts ``result`` (``False`` only when the full validator would find an error)."""
        if not self._shell.is_valid(result):
            return False
        events = result.get("events", []) if isinstance(result, dict) else []
        for event in events if isinstance(events, list) else []:
            kind = self._kinds.get(event["event"])  # the shell checked: an object with a string "event"
            if kind is None or not kind.is_valid(event):
                return False
        return True


def apply() -> bool:
    """Replace ``RemoteAction._validate_action_result``; returns whether it was replaced."""
    global _original
    from jsonschema.exceptions import best_match
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    remote = rasa_action.RemoteAction
    if _original is not None:
        return True
    if not matches_installed_rasa():
        installed = getattr(rasa_action.rasa, "__version__", "?")
        return pinned.refused("rasa", installed, PINNED_RASA, __name__, "Rasa validates action responses itself")
    spec = remote.action_response_format_spec()
    validator = build_validator(spec)
    check = EventKindCheck.for_spec(spec)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if check is not None and check.accepts(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    _original = remote._validate_action_result
    remote._validate_action_result = _validate_action_result
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the method in this process."""
    return _original is not None


def original() -> Any:
    """Rasa's own method (whether or not it was replaced)."""
    from rasa.core.actions.action import RemoteAction

    return _original or RemoteAction._validate_action_result

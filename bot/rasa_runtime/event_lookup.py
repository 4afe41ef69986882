"""Look up event classes by type name in a table, not by walking Rasa's class tree for every event.

Rasa 3.6.21 turns every stored event back into an object through ``Event.resolve_by_type``, which calls
``all_subclasses(Event)`` — a recursive walk of the class tree with an ``inspect.isabstract`` check per class —
and compares type names one by one. The in-memory tracker store deserialises the whole conversation on every
message, so this walk ran once per stored event per turn: a seventh of the Rasa process's time under load, and
growing with the conversation. The replacement answers from a table built with the same walk on first use,
keeping the walk's order (the first class with a name wins, as in the loop it replaces); any name not in the
table (``topic``, unknown names, a default) goes to Rasa's own method, so errors and fallbacks are unchanged.

Pinned like :mod:`bot.rasa_runtime.action_validation`: applied only to ``PINNED_RASA`` with the method source
``ORIGINAL_SHA256``; otherwise Rasa is left as it is, with a warning.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_runtime import pinned

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(Event.resolve_by_type) in rasa 3.6.21.
ORIGINAL_SHA256 = "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968"

_original: Any = None


def original() -> Any:
    """Rasa's own ``Event.resolve_by_type`` (whether or not it was replaced)."""
    from rasa.shared.core.events import Event

    return _original or Event.resolve_by_type


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa

    return pinned.matches(rasa.__version__, PINNED_RASA, (original(),), (ORIGINAL_SHA256,))


def build_table() -> dict[str, Any]:
    """Type name → event class, the first in Rasa's own subclass order for each name."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def apply() -> bool:
    """Replace ``Event.resolve_by_type``; returns whether it was replaced."""
    global _original
    import rasa
    from rasa.shared.core.events import Event

    if _original is not None:
        return True
    if not matches_installed_rasa():
        return pinned.refused("rasa", rasa.__version__, PINNED_RASA, __name__, "events are resolved by Rasa's own code")
    rasa_resolve = Event.resolve_by_type
    table: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if not table:
            table.update(build_table())
        found = table.get(type_name)
        return found if found is not None else rasa_resolve(type_name, default)

    _original = rasa_resolve
    Event.resolve_by_type = staticmethod(resolve_by_type)
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the method in this process."""
    return _original is not None

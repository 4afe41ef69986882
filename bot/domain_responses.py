"""Read the fixed wording of ``domain.yml`` (``utter_*`` responses) outside Rasa, e.g. for the evaluation tools."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "domain.yml"


@functools.cache
def _responses(path: Path) -> dict[str, list[dict[str, object]]]:
    with path.open(encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("responses") or {}


def response_text(name: str, path: Path = DOMAIN) -> str:
    """The text of the first variant of response ``name`` (e.g. ``utter_ask_people_count``).

    Raises:
        KeyError: the domain has no such response.
    """
    return str(_responses(path)[name][0]["text"])

"""Table-driven test cases kept as data: ``<name>: {message: expected, ...}`` in a YAML file beside the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def cases(path: Path, name: str) -> list[tuple[Any, ...]]:
    """The cases of table ``name`` in the YAML file ``path``: ``(message, expected)``, or ``(message, *expected)``
    when the expected value is a list."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))[name]
    return [(text, *expected) if isinstance(expected, list) else (text, expected) for text, expected in table.items()]

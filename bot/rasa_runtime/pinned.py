"""What every fix in this package checks before it patches: the installed version and the source it replaces."""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


def source_sha256(function: Callable[..., Any]) -> str:
    """SHA-256 of ``function``'s source as ``inspect.getsource`` reads it."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def matches(installed: str, pinned: str, functions: tuple[Callable[..., Any], ...], sha256: tuple[str, ...]) -> bool:
    """Whether version ``installed`` is ``pinned`` and ``functions`` have the sources ``sha256``, in order."""
    return installed == pinned and tuple(source_sha256(f) for f in functions) == sha256


def refused(package: str, installed: str, pinned: str, module: str, left: str) -> bool:
    """Log that ``module``'s fix was not applied (``left``: what stays as the package has it); returns False."""
    logger.warning(
        "%s %s is not the version this patch was written for (%s): %s; review %s",
        package,
        installed,
        pinned,
        left,
        module.replace(".", "/") + ".py",
    )
    return False

"""Shared fixtures: the real knowledge base and domain, a dispatcher, a tracker builder, the trained model."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.loader import default_kb
from policy_kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The project's real knowledge base."""
    return default_kb()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain, as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A fresh dispatcher that collects what the action says."""
    return CollectingDispatcher()


TrackerBuilder = Callable[..., Tracker]


@pytest.fixture
def tracker_for() -> TrackerBuilder:
    """Build a tracker whose latest message is ``text`` parsed as ``intent``."""

    def build(
        text: str,
        intent: str,
        confidence: float = 0.95,
        slots: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        ranking: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        sender_id: str = "test-user",
    ) -> Tracker:
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
            "entities": entities or [],
        }
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=message,
            events=[],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return build


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The trained model (``make test`` trains it before pytest runs)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    return MODEL

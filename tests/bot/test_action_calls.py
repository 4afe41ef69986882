"""What Rasa sends the action server, built by Rasa's own code from the project's endpoints.yml and domain."""

from __future__ import annotations

import os
from pathlib import Path

from rasa.core.actions.action import RemoteAction
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]


def test_only_form_validations_receive_the_domain(monkeypatch) -> None:
    for name, value in {
        "ACTIONS_URL": "http://127.0.0.1:5055/webhook",
        "ACTIONS_TOKEN": "t",
        "LOCK_STORE_TYPE": "in_memory",
        "REDIS_URL": "",
        "TRACKER_DB_URL": "sqlite:///unused.db",
    }.items():
        monkeypatch.setenv(name, os.environ.get(name) or value)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events("s", [])
    policy = RemoteAction("action_answer_policy", endpoints.action)._action_call_format(tracker, domain)
    form = RemoteAction("validate_job_seeking_form", endpoints.action)._action_call_format(tracker, domain)
    assert "domain" not in policy  # tens of kilobytes less in every other call
    assert form["domain"]["forms"]["job_seeking_form"]["required_slots"]

"""Fixed wording lives in the domain: every response an action names exists, and every form slot is asked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _responses_named_in_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "actions").rglob("*.py"):
        names.update(re.findall(r"""response=["'](utter_\w+)["']""", path.read_text(encoding="utf-8")))
    return names


def test_every_response_an_action_says_is_in_the_domain(domain: dict[str, Any]) -> None:
    named = _responses_named_in_code()
    assert {"utter_form_stopped", "utter_which_did_you_mean"} <= named  # the scan finds them
    assert named - set(domain["responses"]) == set()


def test_every_form_slot_has_one_question(domain: dict[str, Any]) -> None:
    actions = set(domain["actions"])
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            asked_by_action = f"action_ask_{slot}" in actions
            asked_by_response = f"utter_ask_{slot}" in domain["responses"]
            assert asked_by_action != asked_by_response, slot  # exactly one place says the question


def test_no_action_class_exists_just_to_ask() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").rglob("*.py"))
    assert 'type(f"ActionAsk' not in sources
    # Asking actions that do more than ask: the summaries before a confirmation, the item to cancel or move to
    # another day (looked up),
    # the departure date (quiet while a far-ahead date waits for its confirmation), the proof of identity (sends
    # the SMS code first when a gateway is configured), an estimate's months (the sum at the longest period first).
    dynamic = {
        "action_ask_phone_check",
        "action_ask_registration_confirmed",
        "action_ask_training_confirmed",
        "action_ask_subsidy_confirmed",
        "action_ask_cancel_confirmed",
        "action_ask_change_confirmed",
        "action_ask_departure_date",
        "action_ask_estimate_form_subsidy_months",
    }
    assert set(re.findall(r'(?:return|action_name =) "(action_ask_\w+)"', sources)) == dynamic

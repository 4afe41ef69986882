"""Attack: reach the action server from another machine, or call it on loopback without the shared secret."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
import requests
from loopback import free_port
from security_support import ACTIONS_SECRET, ActionServer, SecondAddress

VICTIM_ID = "371321199207081535"
VICTIM_NAME = "测试李强"


def forged_call(action: str = "action_show_status", marker: str = "") -> dict:
    """What an attacker posts: a tracker claiming the victim is already verified."""
    tracker = {
        "sender_id": "attacker" + marker,
        "slots": {"verified_id_number": VICTIM_ID, "id_number": VICTIM_ID},
        "latest_message": {"text": "查进度" + marker, "intent": {"name": "check_status", "confidence": 1.0}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
        "latest_input_channel": "rest",
    }
    return {
        "next_action": action,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }


def audit_rows(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


@pytest.mark.parametrize("action", ["action_show_status", "action_show_eligibility"])
@pytest.mark.parametrize("headers", [{}, {"X-Actions-Token": "guess"}, {"X-Actions-Token": ACTIONS_SECRET[:-1]}])
def test_call_without_the_secret_gets_401_and_runs_nothing(
    action_server: ActionServer, seeded_db: str, action: str, headers: dict
) -> None:
    before = audit_rows(seeded_db)
    response = requests.post(f"{action_server.url}/webhook", json=forged_call(action), headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}
    assert VICTIM_ID not in response.text and VICTIM_NAME not in response.text
    assert audit_rows(seeded_db) == before  # no case-system read happened


def test_listing_actions_needs_the_secret_too(action_server: ActionServer) -> None:
    assert requests.get(f"{action_server.url}/actions", timeout=10).status_code == 401
    listed = requests.get(f"{action_server.url}/actions", headers={"X-Actions-Token": ACTIONS_SECRET}, timeout=10)
    assert listed.ok and {"name": "action_show_status"} in listed.json()


def test_health_is_open_and_reveals_nothing(action_server: ActionServer) -> None:
    response = requests.get(f"{action_server.url}/health", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_error_replies_never_echo_the_request(action_server: ActionServer) -> None:
    secret = {"X-Actions-Token": ACTIONS_SECRET}
    marker = f"MARKER-{VICTIM_ID}"
    broken = forged_call(marker=marker)
    broken["tracker"]["events"] = marker  # the executor fails on this tracker
    response = requests.post(f"{action_server.url}/webhook", json=broken, headers=secret, timeout=10)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    not_json = requests.post(f"{action_server.url}/webhook", data=marker.encode(), headers=secret, timeout=10)
    assert not_json.status_code == 400 and marker not in not_json.text
    unknown = requests.post(
        f"{action_server.url}/webhook", json=forged_call("action_" + marker), headers=secret, timeout=10
    )
    assert unknown.status_code == 404 and marker not in unknown.text and VICTIM_ID not in unknown.text
    # The log keeps the traceback, but not the ID number in clear.
    assert VICTIM_ID not in action_server.output()


def test_unreachable_from_a_second_address(action_server: ActionServer, second_address: SecondAddress) -> None:
    # The namespace does reach this host: a listener on the veth address answers it ...
    control_port = free_port(second_address.host_address)
    control = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(control_port), "--bind", second_address.host_address],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reached = "ConnectionRefusedError"
        for _ in range(50):
            reached = second_address.connect(second_address.host_address, control_port)
            if reached == "connected":
                break
        assert reached == "connected"
        # ... but the action server, on its default address, does not.
        assert second_address.connect(second_address.host_address, action_server.port) == "ConnectionRefusedError"
    finally:
        control.terminate()
        control.wait(timeout=10)


def test_not_listening_on_the_hosts_other_addresses(action_server: ActionServer) -> None:
    shown = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True, check=True).stdout
    addresses = [
        info["local"]
        for link in json.loads(shown)
        for info in link.get("addr_info", [])
        if not info["local"].startswith("127.")
    ]
    assert addresses, "the host has no non-loopback address to test from"
    for address in addresses:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{address}:{action_server.port}/health", timeout=5)

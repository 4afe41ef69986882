"""Attack: read the HTTP API token or the action server's secret from ``ps`` on the same machine."""

from __future__ import annotations

from pathlib import Path

import requests


def _command_lines(root_pid: int) -> list[str]:
    """Command lines of ``root_pid`` and all its descendants (other people's processes are not ours to judge)."""
    parents: dict[int, int] = {}
    lines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            lines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, changed = {root_pid}, True
    while changed:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        changed = bool(children)
    return [lines[pid] for pid in tree if pid in lines]


def test_no_secret_on_any_command_line(servers) -> None:
    assert requests.get(f"{servers.rasa}/status", params={"token": servers.token}, timeout=10).ok
    lines = _command_lines(servers.process.pid)
    assert any("bot.rasa_server" in line for line in lines) and any("bot.action_server" in line for line in lines)
    for line in lines:
        assert servers.token not in line
        assert servers.actions_token not in line


def test_rasa_calls_the_closed_action_server_with_the_secret(servers) -> None:
    # A custom action runs (the knowledge-base answer comes from the action server) ...
    assert "依据" in servers.say("sec-e2e-1", "公益岗合同签几年")
    # ... while the same action server refuses a caller without the secret.
    assert (
        requests.post(
            f"{servers.actions}/webhook", json={"next_action": "action_answer_policy"}, timeout=10
        ).status_code
        == 401
    )

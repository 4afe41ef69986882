"""Fixtures of the attack suite: a seeded case database, the closed action server, a second network address."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot import crypto

# The suite runs with --import-mode=importlib: make the helper module next to this file importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback import ROOT, free_port
from security_support import ACTIONS_SECRET, ActionServer, SecondAddress


@pytest.fixture(scope="module")
def data_key() -> str:
    return crypto.generate_key("ktest1")


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, data_key: str) -> str:
    """A SQLite case database migrated and seeded through the ``python -m bot db`` command."""
    url = f"sqlite:///{tmp_path_factory.mktemp('secdb') / 'cases.db'}"
    env = dict(os.environ, CASE_DB_URL=url, CASE_DATA_KEY=data_key, RASA_API_TOKEN="x", ACTIONS_TOKEN="x")
    subprocess.run([sys.executable, "-m", "bot", "db"], cwd=ROOT, env=env, check=True, capture_output=True)
    return url


@pytest.fixture(scope="module")
def action_server(seeded_db: str, data_key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("actionlog") / "actions.log"
    env = dict(
        os.environ,
        ACTIONS_PORT=str(port),
        ACTIONS_TOKEN=ACTIONS_SECRET,
        CASE_DB_URL=seeded_db,
        CASE_DATA_KEY=data_key,
        ASSISTANT_TODAY="2026-11-28",
    )
    env.pop("ACTIONS_HOST", None)  # the default must be loopback
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"action server exited: {log.read_text()[-2000:]}")
        try:
            requests.get(f"{url}/health", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("action server did not start")
            time.sleep(0.3)
    yield ActionServer(url=url, port=port, process=proc, log=log)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def second_address() -> Iterator[SecondAddress]:
    """A namespace ``10.213.x.2`` that reaches this host at ``10.213.x.1`` (needs root and ``ip``)."""
    if os.geteuid() != 0 or subprocess.run(["which", "ip"], capture_output=True).returncode:
        pytest.fail("the network-namespace test needs root and iproute2")
    tag = f"{os.getpid() % 100000}"
    ns, host_if, peer_if = f"jysec{tag}", f"jyh{tag}", f"jyp{tag}"
    subnet = 16 + os.getpid() % 200
    host_ip, peer_ip = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
    steps = [
        ["ip", "netns", "add", ns],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if],
        ["ip", "link", "set", peer_if, "netns", ns],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        ["ip", "netns", "exec", ns, "ip", "addr", "add", f"{peer_ip}/30", "dev", peer_if],
        ["ip", "netns", "exec", ns, "ip", "link", "set", peer_if, "up"],
        ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True)
        yield SecondAddress(namespace=ns, host_address=host_ip, peer_address=peer_ip)
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)

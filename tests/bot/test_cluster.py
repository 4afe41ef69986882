"""``make cluster``: HAProxy's configuration, the refusal of unshared state, and a real cluster losing a process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from loopback import free_port

from bot import settings as settings_mod
from bot.cluster import ClusterError, Plan, check_shared_state, haproxy_config, interrupt, wait_until_serving
from evaluation.bench.faults import pids_of

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql+psycopg2://root@127.0.0.1:5432/test"


def _haproxy() -> str:
    path = shutil.which("haproxy")
    if path is None:
        pytest.fail("haproxy is missing: `make test` installs it (apt-get install haproxy)")
    return path


def test_the_generated_configuration_is_valid_haproxy(tmp_path: Path) -> None:
    plan = Plan("127.0.0.1", 5005, 5055, (5101, 5102, 5103), (5201, 5202))
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(plan), encoding="utf-8")
    result = subprocess.run([_haproxy(), "-c", "-f", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = config.read_text()
    assert text.count("server rasa") == 3 and text.count("server actions") == 2
    compose = subprocess.run([_haproxy(), "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], capture_output=True)
    assert compose.returncode == 0


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "TRACKER_DB_URL"),  # the SQLite default
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "TRACKER_DB_URL": PG}, "CASE_DB_URL"),
    ],
)
def test_a_cluster_without_shared_state_is_refused(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ClusterError, match=needle):
        check_shared_state(settings_mod.load(env))


def test_a_process_that_exits_while_starting_is_started_again() -> None:
    """The start-up wait restarts what exited (here: the one backend comes up only once it is started again)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Healthy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    plan = Plan("127.0.0.1", port, port, (port,), (port,))
    servers: list[ThreadingHTTPServer] = []

    def supervise() -> list[str]:
        if servers:
            return []
        servers.append(ThreadingHTTPServer(("127.0.0.1", port), Healthy))
        threading.Thread(target=servers[0].serve_forever, daemon=True).start()
        return ["rasa1"]

    try:
        wait_until_serving(plan, timeout=30, supervise=supervise)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert servers
    with pytest.raises(ClusterError):
        wait_until_serving(Plan("127.0.0.1", free_port(), free_port(), (free_port(),), (free_port(),)), timeout=2)


def test_a_cluster_answers_through_haproxy_and_survives_losing_an_action_server(trained_model, tmp_path) -> None:
    _haproxy()
    try:
        sa.create_engine(PG).connect().close()
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/6", socket_connect_timeout=3).ping()
    except Exception as exc:
        pytest.skip(f"PostgreSQL or Redis not reachable: {exc}")
    tag = uuid.uuid4().hex[:8]
    schemas = [f"cluster_{tag}_{name}" for name in ("cases", "tracker", "events")]
    # Below the ephemeral range (32768–60999), where an outgoing connection could hold a backend's port.
    rasa_port, actions_port, base = free_port(), free_port(), 20000 + int(tag, 16) % 12000
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        CONSOLE_PORT=str(free_port()),
        CLUSTER_BASE_PORT=str(base),
        CLUSTER_DIR=str(tmp_path / "cluster"),
        CASE_DB_URL=f"{PG}?options=-csearch_path%3D{schemas[0]}",
        TRACKER_DB_URL=f"{PG}?options=-csearch_path%3D{schemas[1]}",
        EVENT_BROKER_URL=f"{PG}?options=-csearch_path%3D{schemas[2]}",
        REDIS_URL="redis://127.0.0.1:6379/6",
        RASA_API_TOKEN="cluster-test-token",
        ACTIONS_TOKEN="cluster-test-actions-token",
        CONSOLE_DEMO_PASSWORD="cluster-test-password",
        ASSISTANT_TODAY="2026-11-28",
        WECHAT_API_BASE="http://127.0.0.1:9",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "cluster"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "集群已启动" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"

    def ask(sender: str) -> str:
        reply = requests.post(url, json={"sender": sender, "message": "公益岗签几年"}, timeout=60)
        reply.raise_for_status()
        return "\n".join(m.get("text", "") for m in reply.json())

    try:
        assert ready.wait(900), "".join(lines)[-3000:]
        assert "公益" in ask("c-1")
        victims = pids_of("bot.action_server", base + 101)
        assert victims
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        # Every question is answered while one action server is gone and after it came back.
        answers = [ask(f"c-{n}") for n in range(2, 10)]
        assert all("公益" in answer for answer in answers), answers
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("actions1 已退出" in line for line in lines):
            time.sleep(0.5)
        assert any("actions1 已退出，已重新启动" in line for line in lines)
    finally:
        interrupt(proc)
        engine = sa.create_engine(PG)
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    # Everything stopped: the front ports can be bound again.
    assert not pids_of("bot.rasa_server", base + 1) and not pids_of("bot.action_server", base + 102)

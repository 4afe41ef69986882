"""The servers under test, started on free loopback ports and stopped again.

- the assistant: ``python -m bot serve`` (Rasa and the action server) with a fresh demo case database;
- the floor: a bare ``rasa run`` of the minimal bot in ``evaluation/bench/floor/``, trained into
  ``var/bench/floor/`` when its inputs changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.settings import PROJECT_ROOT

FLOOR_DIR = Path(__file__).resolve().parent / "floor"
FLOOR_CACHE = PROJECT_ROOT / "var" / "bench" / "floor"
FLOOR_INPUTS = ("config.yml", "domain.yml", "credentials.yml", "data/nlu.yml", "data/rules.yml")
START_TIMEOUT_S = 600
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class BenchError(RuntimeError):
    """A server under test could not be prepared or started."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def _floor_digest() -> str:
    digest = hashlib.sha256()
    for name in FLOOR_INPUTS:
        digest.update(name.encode())
        digest.update((FLOOR_DIR / name).read_bytes())
    return digest.hexdigest()


def floor_model() -> Path:
    """The floor bot's model, trained first when its inputs changed since the cached one."""
    model = FLOOR_CACHE / "floor.tar.gz"
    stamp = FLOOR_CACHE / "inputs.sha256"
    digest = _floor_digest()
    if model.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return model
    FLOOR_CACHE.mkdir(parents=True, exist_ok=True)
    print("训练基准机器人（floor）……", flush=True)
    cmd = [
        _rasa(), "train", "--quiet", "--config", str(FLOOR_DIR / "config.yml"),
        "--domain", str(FLOOR_DIR / "domain.yml"), "--data", str(FLOOR_DIR / "data"),
        "--out", str(FLOOR_CACHE), "--fixed-model-name", "floor",
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=FLOOR_CACHE, capture_output=True, text=True)
    if result.returncode != 0 or not model.exists():
        raise BenchError(f"基准机器人训练失败：{result.stderr.strip()[-500:]}")
    stamp.write_text(digest + "\n")
    return model


def _tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by process ``root`` and every descendant still running (from ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        used[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += used.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


# The event broker database of each assistant being served, by the process id of its ``bot serve``.
_EVENT_BROKERS: dict[int, Path] = {}


def _events_waiting(pid: int) -> int:
    """Events the assistant ``pid`` has published that its analytics ingest has not taken yet (0 for the floor)."""
    path = _EVENT_BROKERS.get(pid)
    if path is None or not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        except sqlite3.OperationalError:  # no table yet: nothing was published
            return 0


def wait_quiet(pid: int, *, window_s: float = 0.5, busy_share: float = 0.05, longest_s: float = 60.0) -> float:
    """Wait until the server ``pid`` (with its child processes) has finished the work a load left behind — the
    assistant's analytics ingest (it looks for new events every few seconds), SQLite checkpoints — so that it
    does not run while another system is measured.

    Quiet: no event waits for the ingest, and the processes used less than ``busy_share`` of one core over
    ``window_s``. Returns the seconds waited.
    """
    started = time.monotonic()
    before = _tree_cpu_s(pid)
    while time.monotonic() - started < longest_s:
        time.sleep(window_s)
        now = _tree_cpu_s(pid)
        if now - before < busy_share * window_s and not _events_waiting(pid):
            break
        before = now
    return time.monotonic() - started


def _wait_ready(url: str, proc: subprocess.Popen) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < START_TIMEOUT_S:
        if proc.poll() is not None:
            raise BenchError(f"服务在启动时退出（退出码 {proc.returncode}）")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).ok:
                return time.perf_counter() - started
        time.sleep(0.5)
    raise BenchError(f"{url} 在 {START_TIMEOUT_S} 秒内没有开始服务")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def _serving(cmd: list[str], env: Mapping[str, str], port: int, log: Path) -> Iterator[tuple[str, float, int]]:
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_ready(f"{base}/webhooks/rest/", proc)
            except BenchError as error:
                tail = log.read_bytes()[-1500:].decode(errors="replace")
                raise BenchError(f"{error}；日志末尾：\n{tail}") from None
            yield f"{base}/webhooks/rest/webhook", time.perf_counter() - started, proc.pid
        finally:
            _stop(proc)


@contextlib.contextmanager
def floor(workdir: Path) -> Iterator[tuple[str, float, int]]:
    """Serve the floor bot; yields its webhook URL, its start-up time in seconds and its process id."""
    model = floor_model()
    port = free_port()
    cmd = [
        _rasa(), "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
        "--credentials", str(FLOOR_DIR / "credentials.yml"), "--endpoints", str(FLOOR_DIR / "endpoints.yml"),
    ]  # fmt: skip
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", SANIC_WORKERS="1")
    with _serving(cmd, env, port, workdir / "floor.log") as served:
        yield served


def shares_conversations() -> bool:
    """Whether ``endpoints.yml`` names a tracker store, which several Rasa workers then share."""
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    return bool(endpoints.get("tracker_store"))


def worker_env(workers: int) -> dict[str, str]:
    """Settings of the assistant with ``workers`` Sanic workers in its Rasa process.

    More than one worker needs the atomic Redis lock store, so ``REDIS_URL`` is set (to the local Redis unless the
    environment names one); one worker keeps whatever the environment says.
    """
    env = {"SANIC_WORKERS": str(workers)}
    if workers > 1:
        env["REDIS_URL"] = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    return env


@contextlib.contextmanager
def assistant(workdir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[tuple[str, float, int]]:
    """Serve the assistant (``python -m bot serve``) with a fresh demo database, conversation store and event
    broker in ``workdir``.

    Yields the webhook URL, the start-up time in seconds and the process id of ``bot serve``.
    """
    rasa_port, actions_port = free_port(), free_port()
    db_dir = Path(tempfile.mkdtemp(dir=workdir))
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        RASA_API_TOKEN="bench",
        CONSOLE_PORT=str(free_port()),
        CONSOLE_DEMO_PASSWORD="bench-console-password",
        CASE_DB_URL=f"sqlite:///{db_dir / 'cases.db'}",
        # Its own conversations and analytics events too: never the project's var/, nor another system's.
        TRACKER_DB_URL=f"sqlite:///{db_dir / 'tracker.db'}",
        EVENT_BROKER_URL=f"sqlite:///{db_dir / 'events.db'}",
        **(extra_env or {}),
    )
    migrate = subprocess.run([sys.executable, "-m", "bot", "db"], cwd=PROJECT_ROOT, env=env, capture_output=True)
    if migrate.returncode != 0:
        raise BenchError(f"案件库初始化失败：{migrate.stderr.decode(errors='replace')[-500:]}")
    with _serving([sys.executable, "-m", "bot", "serve"], env, rasa_port, db_dir / "assistant.log") as served:
        _EVENT_BROKERS[served[2]] = db_dir / "events.db"
        try:
            yield served
        finally:
            _EVENT_BROKERS.pop(served[2], None)


def send_json(handler: BaseHTTPRequestHandler, body: dict[str, Any], status: int = 200) -> None:
    """Answer the request ``handler`` serves with ``body`` as JSON (the loopback stand-ins of remote APIs)."""
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)

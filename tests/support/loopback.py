"""The real services the tests talk to on loopback: free ports, PostgreSQL and Redis (started when not running).

Shared by the fixtures of ``tests/conftest.py`` and by test modules that need a plain function; the test suite
puts this folder on ``sys.path`` (``pythonpath`` in ``pyproject.toml``).
"""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the checkout
PG_HOST, PG_PORT, PG_DATABASE = "127.0.0.1", 5432, "test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- PostgreSQL ------------------------------------------------------------------------------------------


@asynccontextmanager
async def aiohttp_server(app: Any, **runner_options: Any) -> AsyncIterator[str]:
    """Serve the ``aiohttp.web`` application ``app`` on a free loopback port; yields its base URL."""
    from aiohttp import web

    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _postgres_answers() -> str | None:
    import psycopg2

    for user in ("root", "postgres"):
        try:
            psycopg2.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=PG_DATABASE, connect_timeout=3).close()
        except psycopg2.OperationalError:
            continue
        return f"postgresql+psycopg2://{user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
    return None


@functools.cache
def postgres_url() -> str | None:
    """URL of the ``test`` database (user root or postgres), starting the local cluster if needed; else ``None``."""
    url = _postgres_answers()
    if url is not None:
        return url
    try:
        for version in sorted(p.name for p in Path("/etc/postgresql").iterdir()):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
                capture_output=True,
                timeout=60,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"could not start PostgreSQL: {exc}")
    for _ in range(20):
        url = _postgres_answers()
        if url:
            return url
        time.sleep(0.5)
    return None


@contextmanager
def postgres_schema(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema of ``base_url``'s database, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- Redis -----------------------------------------------------------------------------------------------


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@functools.cache
def redis_url() -> str | None:
    """URL of the Redis on loopback, started (without persistence) if needed; else ``None``."""
    if not _redis_answers() and shutil.which("redis-server"):
        subprocess.run(
            [
                *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1"),
                *("--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"),
                *("--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"),
            ],
            check=False,
            capture_output=True,
        )
        for _ in range(50):
            if _redis_answers():
                break
            time.sleep(0.1)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0" if _redis_answers() else None


# --- the assistant ---------------------------------------------------------------------------------------


def wait_for_rasa(rasa: str, token: str, process: subprocess.Popen, log: Path, seconds: float = 600) -> str | None:
    """Wait until Rasa at ``rasa`` answers ``/status``; the reason when it exits early or takes too long.

    Loading TensorFlow and the model on a busy machine can take several minutes.
    """
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"bot serve exited early; log: {log.read_text()[-3000:]}"
        try:
            if requests.get(f"{rasa}/status", params={"token": token}, timeout=2).ok:
                return None
        except requests.ConnectionError:
            pass
        time.sleep(1)
    return f"Rasa did not come up within {seconds:.0f} s"

"""Several Sanic workers: each listens on its own socket, so connections reach every worker."""

from __future__ import annotations

import collections
import http.client
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from loopback import free_port

from bot.rasa_runtime import worker_sockets
from bot.settings import PROJECT_ROOT

CONNECTIONS = 24

SERVER = textwrap.dedent(
    """
    import os, sys
    from sanic import Sanic
    from sanic.response import text
    if sys.argv[2] == "patched":
        from bot.rasa_runtime import worker_sockets
        assert worker_sockets.apply()
    app = Sanic("workers_test")

    @app.get("/")
    async def which_worker(request):
        return text(str(os.getpid()))

    app.run(host="127.0.0.1", port=int(sys.argv[1]), workers=2, access_log=False, motd=False)
    """
)


def listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:``port`` (from ``/proc/net/tcp``; state 0A is LISTEN)."""
    local = f"0100007F:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(row[1] == local and row[3] == "0A" for row in rows)


def _serve(mode: str) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), mode], cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        wanted = 2 if mode == "patched" else 1
        while listening_sockets(port) < wanted or not _answers(port):
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the workers did not start listening"
            time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/")
        return conn.getresponse().status == 200
    except OSError:
        return False


@pytest.fixture
def patched_server() -> Iterator[int]:
    yield from _serve("patched")


@pytest.fixture
def sanic_server() -> Iterator[int]:
    yield from _serve("unpatched")


def workers_reached(port: int) -> collections.Counter[str]:
    """Open ``CONNECTIONS`` keep-alive connections at once, then ask each which worker holds it."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(CONNECTIONS)]
    for conn in connections:
        conn.connect()
    seen: collections.Counter[str] = collections.Counter()
    for conn in connections:
        conn.request("GET", "/")
        seen[conn.getresponse().read().decode()] += 1
        conn.close()
    return seen


def test_written_for_the_installed_sanic():
    """Fails after a Sanic upgrade (version or ``serve_multiple``'s source): review the patch then."""
    import sanic

    assert sanic.__version__ == worker_sockets.PINNED_SANIC
    assert worker_sockets.matches_installed_sanic()


def test_each_worker_listens_on_its_own_socket(patched_server: int):
    assert listening_sockets(patched_server) == 2
    seen = workers_reached(patched_server)
    assert len(seen) == 2, seen  # the kernel spreads connections by a hash: 24 on one worker is a 1-in-8-million case


def test_sanic_alone_has_one_socket_for_all_workers(sanic_server: int):
    """What the patch changes: without it both workers accept from the parent's single socket."""
    assert listening_sockets(sanic_server) == 1
    assert sum(workers_reached(sanic_server).values()) == CONNECTIONS


def test_other_sanic_version_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    import sanic
    from sanic.server import runners

    monkeypatch.setattr(worker_sockets, "_originals", {})
    monkeypatch.setattr(sanic, "__version__", "22.12.0")
    before = (runners.bind_socket, runners.serve)
    assert worker_sockets.apply() is False
    assert (runners.bind_socket, runners.serve) == before
    assert not worker_sockets.is_applied()


def test_a_callers_own_socket_is_kept(monkeypatch: pytest.MonkeyPatch):
    """A listening socket handed to Sanic (not the reservation) reaches Sanic's ``serve`` unchanged."""
    import socket

    received = {}
    monkeypatch.setitem(worker_sockets._originals, "serve", lambda **settings: received.update(settings))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        worker_sockets.serve_on_own_socket(sock=sock, run_multiple=True, backlog=10)
        assert received["sock"] is sock

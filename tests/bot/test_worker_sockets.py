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


def _split_after_rounds(port: int, connections: int, rounds: int) -> tuple[list[int], int]:
    """Requests in turn over ``connections`` keep-alive connections, reconnecting when the server closes one (as a
    browser or aiohttp does); returns how many connections each worker held in the last round, and the closes."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(connections)]
    closes = 0
    for _round in range(rounds):
        held: collections.Counter[str] = collections.Counter()
        for i, conn in enumerate(conns):
            conn.request("GET", "/")
            response = conn.getresponse()
            held[response.read().decode()] += 1
            if response.will_close:
                closes += 1
                conn.close()
                conns[i] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for conn in conns:
        conn.close()
    return sorted(held.values()), closes


def test_workers_even_out_their_connections(patched_server: int):
    """Ten connections hashed over two workers split 5/5 one time in four; the worker over its share closes
    connections until they are even (four fresh batches: all even by chance is a 1-in-270 case)."""
    for _batch in range(4):
        split, _closes = _split_after_rounds(patched_server, 10, rounds=6)
        assert split == [5, 5], split
        time.sleep(0.1)  # the closed connections are gone from the workers' counts


def test_connection_shares_count_only_workers_heard_from_lately():
    shares = worker_sockets.ConnectionShares(most=4)
    first, second = shares.claim(), shares.claim()
    assert (first, second) == (0, 1)
    assert shares.over_share(first, 5, now=100.0)  # the second worker has not answered yet: it holds none
    assert not shares.over_share(second, 5, now=100.0)  # 5 of 9: within ceil(9 / 2) = 5
    assert not shares.over_share(first, 5, now=100.1)  # 5 of 10: its share
    assert shares.over_share(second, 7, now=100.5)  # 7 of 12: over ceil(12 / 2) = 6, closes one
    assert not shares.over_share(second, 6, now=100.6)  # it counted itself one less: 6 of 11
    # The first worker answered nothing for longer than STALE_S: it is taken to hold none, so 6 is over 3.
    assert shares.over_share(second, 6, now=100.0 + worker_sockets.STALE_S + 1)


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

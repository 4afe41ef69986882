"""Give each Sanic worker its own listening socket, so the kernel spreads connections over the workers.

With ``SANIC_WORKERS`` > 1, Sanic 21.12.2 (``serve_multiple``) binds one listening socket in the parent and every
worker accepts from that same socket. asyncio accepts every connection waiting when it wakes up, so the worker
that wakes first takes most of a burst of new keep-alive connections — under ten concurrent senders one worker
ran at 80–100 % of a core and the other at 0–50 %, and a second worker added almost no throughput.

Here the parent's socket only holds the address (bound with ``SO_REUSEPORT``, never listening), and each worker
binds and listens on its own ``SO_REUSEPORT`` socket at the same address; Linux then hands every new connection to
one of the workers' sockets by a hash of its addresses. Two names in ``sanic.server.runners`` are replaced, both
looked up by ``serve_multiple`` when it runs: ``bind_socket`` (the parent's socket) and ``serve`` (each worker's
entry point, which swaps the inherited socket for its own). A socket passed in by the caller, a Unix socket or a
single worker are left as Sanic has them.

A hash spreads few connections unevenly: ten keep-alive connections split 8/2 as often as 5/5, and then one worker
runs at 90 % of a core while the other idles. So the workers also share their counts of open connections (memory
shared with the parent, which forks them), and a worker holding more than its share (the total divided by the
workers, rounded up) answers one request with ``Connection: close``; the client reconnects and the hash places the
new connection again, until the counts are even. A worker that has not answered for ``STALE_S`` counts as holding
none. This rests on two more Sanic names: ``Http.keep_alive`` (which ``Http.http1_response_header`` turns into the
header and ``Http.http1`` into closing the connection) and the protocol's ``connections`` set.

Pinned like the Rasa fixes in this package: applied only to Sanic ``PINNED_SANIC`` whose ``serve_multiple`` has
the source ``ORIGINAL_SHA256``; otherwise Sanic is left as it is, with a warning.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import socket
import time
from typing import Any

from bot.rasa_runtime import pinned

PINNED_SANIC = "21.12.2"
# sha256 of inspect.getsource(...) in sanic 21.12.2: runners.serve_multiple, Http.http1_response_header, Http.http1.
ORIGINAL_SHA256 = (
    "21e61cf242a9aa90dd7cef07c2832c3f6b559b34e10e18da7e95cfc3a18ee7cb",
    "28cef00296e796a1da4ca86a5916e29ff8b4ad8f999d9e81357c7f5af122f35b",
    "20227158ce2933f7c14a04a9042681da87f33f33f562ed3fa8cee2bacf4a3257",
)
MAX_WORKERS = 64
# A worker whose count is older than this is taken to hold no connection (it has answered nothing lately).
STALE_S = 5.0

_originals: dict[str, Any] = {}


def _pinned_functions() -> tuple[Any, ...]:
    from sanic.http import Http
    from sanic.server import runners

    return runners.serve_multiple, Http.http1_response_header, Http.http1


def matches_installed_sanic() -> bool:
    """Whether the installed Sanic is the version and the code this patch was written for."""
    import sanic

    return pinned.matches(sanic.__version__, PINNED_SANIC, _pinned_functions(), ORIGINAL_SHA256)


class ConnectionShares:
    """Each worker's count of open connections, in memory the parent shares with the workers it forks."""

    def __init__(self, most: int = MAX_WORKERS) -> None:
        """Create the shared memory (in the parent, before the workers are forked)."""
        context = multiprocessing.get_context("fork")
        self._counts = context.RawArray(ctypes.c_int, most)
        self._when = context.RawArray(ctypes.c_double, most)
        self._claimed = context.Value(ctypes.c_int, 0)
        self._most = most

    def claim(self) -> int | None:
        """A slot for the calling worker (None when every slot is taken: that worker is not balanced)."""
        with self._claimed.get_lock():
            slot = self._claimed.value
            if slot >= self._most:
                return None
            self._claimed.value = slot + 1
        return slot

    def over_share(self, slot: int, open_connections: int, now: float) -> bool:
        """Publish the worker's count; True when it holds more than its share (it then counts one less)."""
        self._counts[slot], self._when[slot] = open_connections, now
        workers = self._claimed.value
        total = sum(self._counts[i] for i in range(workers) if now - self._when[i] < STALE_S)
        if open_connections <= math.ceil(total / workers):
            return False
        self._counts[slot] = open_connections - 1
        return True


_shares: list[ConnectionShares] = []


def balancing_middleware(shares: ConnectionShares, slot: int) -> Any:
    """A Sanic response middleware that closes a connection after its response while this worker holds too many."""

    async def balance_connections(request: Any, response: Any) -> None:
        stream = request.stream
        connections = getattr(getattr(stream, "protocol", None), "connections", None)
        if connections is None or not stream.keep_alive:
            return
        if shares.over_share(slot, len(connections), time.monotonic()):
            stream.keep_alive = False

    return balance_connections


def _shared_socket(sock: socket.socket) -> socket.socket:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def reserve_address(host: str, port: int, *, backlog: int = 100) -> socket.socket:
    """The parent's socket: bound to the address with ``SO_REUSEPORT``, not listening (``backlog`` is unused).

    It keeps the address taken while the workers start; connections go only to sockets that listen.
    """
    del backlog
    family, _type, _proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = _shared_socket(socket.socket(family, socket.SOCK_STREAM))
    sock.bind(address)
    return sock


def _reservation(sock: Any) -> socket.socket | None:
    """``sock`` when it is the parent's reserved address (:func:`reserve_address`), else None."""
    is_reservation = (
        isinstance(sock, socket.socket)
        and sock.family in (socket.AF_INET, socket.AF_INET6)
        and sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0
    )
    return sock if is_reservation else None


def serve_on_own_socket(**settings: Any) -> Any:
    """A worker's entry point: listen on a socket of its own at the reserved address, then run Sanic's ``serve``."""
    inherited = _reservation(settings.get("sock"))
    if settings.get("run_multiple") and inherited is not None:
        own = _shared_socket(socket.socket(inherited.family, socket.SOCK_STREAM))
        own.bind(inherited.getsockname())
        own.listen(settings.get("backlog", 100))
        inherited.close()
        settings["sock"] = own
        slot = _shares[0].claim() if _shares else None
        if slot is not None and settings.get("app") is not None:
            settings["app"].register_middleware(balancing_middleware(_shares[0], slot), "response")
    return _originals["serve"](**settings)


def apply() -> bool:
    """Replace the two names in ``sanic.server.runners``; returns whether they were replaced."""
    import sanic
    from sanic.server import runners

    if _originals:
        return True
    if not matches_installed_sanic():
        return pinned.refused("sanic", sanic.__version__, PINNED_SANIC, __name__, "workers share one socket")
    _originals.update(bind_socket=runners.bind_socket, serve=runners.serve)
    _shares.append(ConnectionShares())
    runners.bind_socket = reserve_address
    runners.serve = serve_on_own_socket
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the names in this process."""
    return bool(_originals)

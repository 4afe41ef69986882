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

Pinned like the Rasa fixes in this package: applied only to Sanic ``PINNED_SANIC`` whose ``serve_multiple`` has
the source ``ORIGINAL_SHA256``; otherwise Sanic is left as it is, with a warning.
"""

from __future__ import annotations

import socket
from typing import Any

from bot.rasa_runtime import pinned

PINNED_SANIC = "21.12.2"
# sha256 of inspect.getsource(sanic.server.runners.serve_multiple) in sanic 21.12.2.
ORIGINAL_SHA256 = "21e61cf242a9aa90dd7cef07c2832c3f6b559b34e10e18da7e95cfc3a18ee7cb"

_originals: dict[str, Any] = {}


def matches_installed_sanic() -> bool:
    """Whether the installed Sanic is the version and the code this patch was written for."""
    import sanic
    from sanic.server import runners

    return pinned.matches(sanic.__version__, PINNED_SANIC, (runners.serve_multiple,), (ORIGINAL_SHA256,))


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
    runners.bind_socket = reserve_address
    runners.serve = serve_on_own_socket
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the names in this process."""
    return bool(_originals)

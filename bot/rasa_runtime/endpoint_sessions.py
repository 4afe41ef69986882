"""Keep the connections to the action server open between calls, and encode their JSON bodies with ujson.

Rasa 3.6.21's ``EndpointConfig.request`` (every call of a custom action, a form's validation, a remote NLG)
enters ``async with self.session()``, and ``EndpointConfig.session`` builds a new ``aiohttp.ClientSession`` each
time: a new connector, a new TCP connection to the action server (which accepts it and sets up a protocol for
one request), and its close afterwards. Under load the Rasa process spent about 3 % of its time building and
connecting sessions and another 3 % in the standard library's JSON encoder for the request body (the tracker,
with every event of the session).

Here ``session`` hands ``request`` one session per endpoint and event loop, kept open: its connections are
reused (kept at most ``KEEPALIVE_S`` idle, less than Sanic's 5-second keep-alive on the action server, so the
client always lets go of an idle connection first and never sends on one the server is closing), and its JSON
bodies are written by ujson (the same JSON: ujson is already installed, as Rasa and Sanic require it). What
``request`` does with the session is unchanged: it is entered with ``async with`` and used as before, only the
exit no longer closes it. A closed session or another event loop gets a new session.

Pinned like the other fixes in this package: applied only to ``PINNED_RASA`` whose ``EndpointConfig.session`` and
``EndpointConfig.request`` have the sources ``ORIGINAL_SHA256``; otherwise Rasa is left as it is, with a warning.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import ujson

from bot.rasa_runtime import pinned

PINNED_RASA = "3.6.21"
# sha256 of inspect.getsource(...) in rasa 3.6.21: EndpointConfig.session, EndpointConfig.request.
ORIGINAL_SHA256 = (
    "e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb",
    "ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
)
# Seconds a connection may stay idle in the pool (Sanic closes idle keep-alive connections after 5).
KEEPALIVE_S = 2.0

_original: dict[str, Any] = {}
_ATTRIBUTE = "_kept_session"


def _pinned_functions() -> tuple[Any, ...]:
    from rasa.utils.endpoints import EndpointConfig

    session = _original.get("session", EndpointConfig.session)
    return session, EndpointConfig.request


def matches_installed_rasa() -> bool:
    """Whether the installed Rasa is the version and the code this patch was written for."""
    import rasa

    return pinned.matches(rasa.__version__, PINNED_RASA, _pinned_functions(), ORIGINAL_SHA256)


def dumps(value: Any) -> str:
    """JSON text of ``value`` (ujson; the standard library for what ujson refuses)."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


class KeptSession:
    """``async with`` yields the endpoint's open session and leaves it open (``request`` exits what it enters)."""

    def __init__(self, session: Any) -> None:
        """Wrap ``session`` (an open ``aiohttp.ClientSession``)."""
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def kept_session(endpoint: Any) -> KeptSession:
    """``EndpointConfig.session`` as patched: the endpoint's session for the running event loop, built once."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    kept = endpoint.__dict__.get(_ATTRIBUTE)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
            json_serialize=dumps,
        )
        kept = (loop, session)
        endpoint.__dict__[_ATTRIBUTE] = kept
    return KeptSession(kept[1])


def apply() -> bool:
    """Replace ``EndpointConfig.session``; returns whether it was replaced."""
    import rasa
    from rasa.utils.endpoints import EndpointConfig

    if _original:
        return True
    if not matches_installed_rasa():
        return pinned.refused("rasa", rasa.__version__, PINNED_RASA, __name__, "a new session for every call")
    _original["session"] = EndpointConfig.session
    EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
    return True


def is_applied() -> bool:
    """Whether :func:`apply` replaced the method in this process."""
    return bool(_original)

"""``GET /webhooks/health/`` on the Rasa server: is the durable tracker store really in use and working?

Rasa falls back to process memory without a word when the tracker store fails (``FailSafeTrackerStore``),
and to a plain in-memory store when the configured class cannot be loaded. This endpoint tells a load
balancer or an operator: 200 when the configured store is the one in use and its last operation
succeeded, 503 otherwise. The body carries only state and counts, no conversation data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


def tracker_store_in_use(agent: Any) -> str:
    """Class name of the store behind Rasa's fail-safe (and awaitable) wrappers."""
    store = getattr(agent, "tracker_store", None)
    while store is not None and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return type(store).__name__ if store is not None else ""


def health_report(agent: Any) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of the health endpoint for ``agent``."""
    from bot.durable.tracker_store import HEALTH, ProtectedSQLTrackerStore

    in_use = tracker_store_in_use(agent)
    tracker = {**HEALTH.as_dict(), "in_use": in_use}
    healthy = in_use == ProtectedSQLTrackerStore.__name__ and not HEALTH.failing
    if in_use != ProtectedSQLTrackerStore.__name__:
        tracker["state"] = "memory"  # the configured store was not loaded: nothing survives a restart
    lock_store = type(getattr(agent, "lock_store", None)).__name__
    body = {"status": "ok" if healthy else "degraded", "tracker_store": tracker, "lock_store": lock_store}
    return (200 if healthy else 503), body


class HealthInput(InputChannel):
    """A channel that only answers the health check (``bot.durable.health.HealthInput`` in credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        """The endpoint is ``/webhooks/health/``."""
        return "health"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Nothing to configure."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /``: the health report."""
        bp = Blueprint("health_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            status, body = health_report(getattr(request.app.ctx, "agent", None))
            return response.json(body, status=status)

        return bp

"""What every channel's Sanic blueprint starts with."""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


def channel_blueprint(name: str) -> Blueprint:
    """A blueprint whose ``GET /`` answers ``{"status": "ok"}`` (Rasa's convention for channel health)."""
    bp = Blueprint(name, __name__)

    @bp.route("/", methods=["GET"])
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return bp

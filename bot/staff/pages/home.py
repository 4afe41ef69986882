"""The home page: what the signed-in account can do."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.staff.web import NavItem, render

bp = Blueprint("home")
NAV = (NavItem("首页", "/"),)


@bp.get("/")
async def index(request: Request) -> HTTPResponse:
    """Links to the workspaces shown in the menu."""
    return await render(request, "home.html")

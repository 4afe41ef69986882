"""新来电: the call workspace's assist panel (the caller's words → the assistant's answer, clause, validity)."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.staff import assist as assist_mod
from bot.staff.web import NavItem

bp = Blueprint("assist")
NAV = (NavItem("新来电", "/call"),)


@bp.get("/call")
async def call_page(request: Request) -> HTTPResponse:
    """The call workspace (with the caller's case once verified)."""
    from bot.staff.pages.caller import show_call

    return await show_call(request)


@bp.post("/api/assist")
async def assist_api(request: Request) -> HTTPResponse:
    """JSON ``{"text": …}`` → the assist result (answer as the bot says it, clause, validity, candidates)."""
    body = request.json if request.content_type.startswith("application/json") else None
    try:
        text = assist_mod.clean_words((body or {}).get("text"))
    except ValueError as exc:
        return response.json({"error": str(exc)}, status=400)
    ctx = request.app.ctx
    try:
        parse = await asyncio.to_thread(ctx.nlu.parse, text)
    except assist_mod.AssistError as exc:
        return response.json({"error": str(exc)}, status=503)
    result = await assist_mod.assist(ctx.responder(), parse, ctx.today())
    await asyncio.to_thread(ctx.calls.record_question, request.ctx.account, result)
    return response.json(result.to_json())

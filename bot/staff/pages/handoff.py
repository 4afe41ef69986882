"""转人工 queue: take a handed-over user, read the conversation (masked), reply, and hand them back to the bot."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.handoff.hours import service_hours
from bot.handoff.outbox import AGENT_PREFIX, MAX_REPLY
from bot.handoff.queue import CLOSING_TEXT, HandoffError
from bot.handoff.rasa_api import RasaApiError, transcript
from bot.privacy import mask_pii
from bot.staff.web import NavItem, error_page, render

bp = Blueprint("handoff")
NAV = (NavItem("转人工", "/handoff"),)


@bp.get("/handoff")
async def queue_page(request: Request) -> HTTPResponse:
    """Waiting requests (oldest first) and the ones this agent holds."""
    ctx = request.app.ctx
    waiting = await asyncio.to_thread(ctx.handoffs.waiting)
    mine = await asyncio.to_thread(ctx.handoffs.held_by, request.ctx.account.id)
    hours = service_hours()
    now = dt.datetime.now(dt.timezone.utc)
    return await render(
        request, "handoff_queue.html", waiting=waiting, mine=mine, hours=hours.describe(), open=hours.is_open(now)
    )


async def _held(request: Request, reference: str):  # type: ignore[no-untyped-def]
    held = await asyncio.to_thread(request.app.ctx.handoffs.get, reference[:24])
    if held is None:
        return None
    account = request.ctx.account
    if held.status == "active" and held.agent_id != account.id and account.role != "supervisor":
        return None
    return held


async def _lines(request: Request, conversation_id: str) -> tuple[list[dict], str]:
    try:
        tracker = await asyncio.to_thread(request.app.ctx.rasa.tracker, conversation_id)
    except RasaApiError as error:
        return [], str(error)
    lines = [{**line, "text": mask_pii(line["text"])} for line in transcript(tracker)]
    return lines, ""


@bp.get("/handoff/<reference>")
async def conversation(request: Request, reference: str) -> HTTPResponse:
    """The conversation so far (ID and phone numbers masked), the reply box and the close button."""
    held = await _held(request, reference)
    if held is None:
        return error_page(404, "没有这个转人工请求，或它正由其他坐席处理。")
    lines, problem = await _lines(request, held.conversation_id)
    return await render(
        request,
        "handoff_conversation.html",
        held=held,
        lines=lines,
        problem=problem,
        error=request.args.get("error", "")[:200],
        max_reply=MAX_REPLY,
    )


@bp.get("/api/handoff/<reference>/transcript")
async def transcript_api(request: Request, reference: str) -> HTTPResponse:
    """The masked conversation as JSON (the page polls it for the user's new messages)."""
    held = await _held(request, reference)
    if held is None:
        return response.json({"error": "没有这个请求"}, status=404)
    lines, problem = await _lines(request, held.conversation_id)
    return response.json({"lines": lines, "error": problem, "status": held.status})


@bp.post("/handoff/<reference>/take")
async def take(request: Request, reference: str) -> HTTPResponse:
    """Take the request: the bot pauses for the user, a contact record opens."""
    ctx = request.app.ctx
    account = request.ctx.account
    try:
        held = await asyncio.to_thread(ctx.handoffs.take, reference[:24], account.id)
    except (HandoffError, RasaApiError) as error:
        return error_page(409, str(error))
    contact = await asyncio.to_thread(
        ctx.calls.start_handoff,
        account,
        conversation_id=held.conversation_id,
        channel=held.channel,
        reference=held.reference,
    )
    await asyncio.to_thread(ctx.handoffs.set_contact, held.reference, contact.id)
    return response.redirect(f"/handoff/{held.reference}", status=303)


async def _deliver(request: Request, held, text: str) -> str:  # type: ignore[no-untyped-def]
    """Queue the reply; WeChat users get it at once by customer-service message. Returns an error or ``""``."""
    ctx = request.app.ctx
    account = request.ctx.account
    message_id = await asyncio.to_thread(ctx.outbox.enqueue, held.conversation_id, held.channel, account.id, text)
    if held.channel == "wechat":
        try:
            await asyncio.to_thread(ctx.wechat().send_text, held.conversation_id, AGENT_PREFIX + text)
        except Exception as error:  # every failure is shown to the agent, the reply stays queued
            return f"微信客服消息发送失败（{type(error).__name__}），回复已保留。"
        await asyncio.to_thread(ctx.outbox.mark_delivered, message_id)
    # The reply is delivered all the same when this fails; only the tracker's history misses it.
    with contextlib.suppress(RasaApiError):
        await asyncio.to_thread(ctx.rasa.log_agent_reply, held.conversation_id, text, account.username)
    return ""


@bp.post("/handoff/<reference>/reply")
async def reply(request: Request, reference: str) -> HTTPResponse:
    """Send the agent's reply to the user."""
    held = await _held(request, reference)
    if held is None or held.status != "active" or held.agent_id != request.ctx.account.id:
        return error_page(403, "请先接入这个请求。")
    text = " ".join((request.form.get("text") or "").split())
    if not text:
        return response.redirect(f"/handoff/{held.reference}?error=请输入回复内容", status=303)
    if len(text) > MAX_REPLY:
        return response.redirect(f"/handoff/{held.reference}?error=回复太长，请分几条发送", status=303)
    problem = await _deliver(request, held, text)
    if held.contact_id:
        await asyncio.to_thread(request.app.ctx.calls.append_to, held.contact_id, {"type": "agent_reply"})
    suffix = f"?error={problem}" if problem else ""
    return response.redirect(f"/handoff/{held.reference}{suffix}", status=303)


@bp.post("/handoff/<reference>/close")
async def close(request: Request, reference: str) -> HTTPResponse:
    """Hand the user back to the bot and go to the summary."""
    ctx = request.app.ctx
    account = request.ctx.account
    held = await _held(request, reference)
    if held is None:
        return error_page(404, "没有这个转人工请求。")
    try:
        await asyncio.to_thread(ctx.handoffs.close, held.reference, account.id, supervisor=account.role == "supervisor")
    except (HandoffError, RasaApiError) as error:
        return error_page(409, str(error))
    await _deliver(request, held, CLOSING_TEXT)
    if held.contact_id:
        await asyncio.to_thread(ctx.calls.append_to, held.contact_id, {"type": "handoff_closed"})
        await asyncio.to_thread(ctx.calls.end, account, held.contact_id)
        return response.redirect(f"/contacts/{held.contact_id}/summary", status=303)
    return response.redirect("/handoff", status=303)

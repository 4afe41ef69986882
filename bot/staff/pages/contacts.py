"""话后小结 and the contact records: the draft after a call or handoff, saving it, search and export."""

from __future__ import annotations

import asyncio
import datetime as dt

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.staff.calls import CALLER_TYPES, ContactError, draft, export_csv
from bot.staff.web import NavItem, error_page, render

bp = Blueprint("contacts")
NAV = (NavItem("联系记录", "/contacts"),)


def _may_see(request: Request, contact) -> bool:  # type: ignore[no-untyped-def]
    account = request.ctx.account
    return account.role == "supervisor" or contact.account == account.username


@bp.get("/contacts")
async def contact_list(request: Request) -> HTTPResponse:
    """Saved contact records (search over reference, summary, follow-up, agent) and the agent's pending drafts."""
    calls = request.app.ctx.calls
    query = (request.args.get("q") or "")[:100]
    contacts = await asyncio.to_thread(calls.search, query)
    pending = await asyncio.to_thread(calls.pending, request.ctx.account)
    return await render(request, "contacts.html", contacts=contacts, pending=pending, query=query)


@bp.get("/contacts/export.csv")
async def export(request: Request) -> HTTPResponse:
    """The search result as CSV (UTF-8 with BOM, opens in Excel)."""
    calls = request.app.ctx.calls
    contacts = await asyncio.to_thread(calls.search, (request.args.get("q") or "")[:100], 10_000)
    name = f"contacts-{dt.date.today():%Y%m%d}.csv"
    return response.raw(
        export_csv(contacts),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/contacts/<contact_id:int>/summary")
async def summary_form(request: Request, contact_id: int) -> HTTPResponse:
    """The summary form, prefilled with the draft built from what happened (or the saved text)."""
    contact = await asyncio.to_thread(request.app.ctx.calls.get, contact_id)
    if contact is None or not _may_see(request, contact):
        return error_page(404, "没有这条联系记录。")
    proposal = draft(contact)
    return await render(
        request, "summary.html", contact=contact, draft=proposal, caller_types=CALLER_TYPES, error="", saved=False
    )


@bp.post("/contacts/<contact_id:int>/summary")
async def summary_save(request: Request, contact_id: int) -> HTTPResponse:
    """Save the agent's edited summary as the contact record."""
    calls = request.app.ctx.calls
    form = request.form
    try:
        contact = await asyncio.to_thread(
            calls.save,
            request.ctx.account,
            contact_id,
            caller_type=form.get("caller_type") or "",
            summary=form.get("summary") or "",
            follow_up=form.get("follow_up") or "",
        )
    except ContactError as error:
        contact = await asyncio.to_thread(calls.get, contact_id)
        if contact is None or not _may_see(request, contact):
            return error_page(404, "没有这条联系记录。")
        return await render(
            request,
            "summary.html",
            status=400,
            contact=contact,
            draft=draft(contact),
            caller_types=CALLER_TYPES,
            error=str(error),
            saved=False,
        )
    return await render(
        request, "summary.html", contact=contact, draft=draft(contact), caller_types=CALLER_TYPES, error="", saved=True
    )

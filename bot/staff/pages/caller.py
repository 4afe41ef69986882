"""The caller's case inside a call: voice verification, records and eligibility, registration on their behalf.

Everything goes through the case store with an :class:`~bot.cases.records.AccessContext` whose actor is
``staff:<username>`` and whose conversation is the call's reference, so that every read and change is in the
audit log under the agent's account. The verified ID number is kept in the console's memory for the call
only (never in a cookie or the page), and the same validators as the chat forms check every field.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot import validation
from bot.cases.errors import CaseStoreError, IdentityMismatch
from bot.cases.records import AccessContext
from bot.form_values import parse_work_location
from bot.privacy import mask_id_number
from bot.replies import status_details
from bot.staff.accounts import Account
from bot.staff.web import render
from policy_kb.eligibility import evaluate_person

bp = Blueprint("caller")
NAV: tuple = ()
MAX_VERIFY_FAILURES = 3


def access(account: Account, call_reference: str, purpose: str) -> AccessContext:
    """The audit context of an agent's read or change during a call."""
    return AccessContext(
        conversation_id=call_reference, channel="console", purpose=purpose, actor=f"staff:{account.username}"
    )


class _Row:
    """A status item with its Chinese details, for the case table."""

    def __init__(self, item: Any, summary: str) -> None:
        self._item, self.summary = item, summary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)


def _verified(request: Request, contact_id: int) -> str | None:
    return request.app.ctx.verified.get((request.ctx.account.id, contact_id))


async def _verified_call(request: Request) -> tuple[Any, str] | None:
    """The agent's current call and its caller's verified ID number, or ``None`` before a verification."""
    call = await asyncio.to_thread(request.app.ctx.calls.current, request.ctx.account)
    id_number = _verified(request, call.id) if call else None
    return (call, id_number) if call and id_number else None


async def _open_call(request: Request):  # type: ignore[no-untyped-def]
    calls = request.app.ctx.calls
    call = await asyncio.to_thread(calls.current, request.ctx.account)
    if call is None:
        call = await asyncio.to_thread(calls.record, request.ctx.account, {"type": "opened"})
    return call


async def show_call(request: Request, message: str = "", error: str = "", status: int = 200) -> HTTPResponse:
    ctx = request.app.ctx
    call = await asyncio.to_thread(ctx.calls.current, request.ctx.account)
    case = await _case(request, call) if call else None
    return await render(
        request,
        "call.html",
        status=status,
        call=call,
        today=ctx.today(),
        caseinfo=case,
        details=status_details,
        message=message,
        error=error,
    )


async def _case(request: Request, call: Any) -> dict[str, Any] | None:
    id_number = _verified(request, call.id)
    if not id_number:
        return None
    ctx = request.app.ctx
    store = ctx.store()
    account = request.ctx.account
    try:
        person = await asyncio.to_thread(
            store.find_person, id_number, access=access(account, call.reference, "坐席查看来电人档案")
        )
        items = await asyncio.to_thread(
            store.get_status, id_number, access=access(account, call.reference, "坐席查看来电人办理进度")
        )
    except CaseStoreError as error:
        return {"error": error.user_message}
    if person is None:
        return {"error": "核验后档案已不存在，请重新核验。"}
    rows = [_Row(i, status_details(i)) for i in items]
    kb = ctx.responder().kb
    findings = evaluate_person(kb, person, ctx.today())
    return {"person": person, "masked_id": mask_id_number(id_number), "items": rows, "findings": findings}


@bp.get("/call/case")
async def case_page(request: Request) -> HTTPResponse:
    """The call workspace with the verified caller's case."""
    return await show_call(request)


@bp.post("/call/verify")
async def verify(request: Request) -> HTTPResponse:
    """Record that the caller told their ID number and the phone on record by voice; check both."""
    form = request.form
    ctx = request.app.ctx
    account = request.ctx.account
    call = await _open_call(request)
    failures = ctx.verify_failures.get(call.id, 0)
    if failures >= MAX_VERIFY_FAILURES:
        return await show_call(
            request, error="本次来电已连续 3 次核验不通过，不能再查询档案。请来电人携带身份证到窗口办理。", status=429
        )
    if form.get("voice_confirmed") != "yes":
        return await show_call(request, error="请先勾选“来电人已口述身份证号和登记手机号”。", status=400)
    try:
        id_number = validation.validate_id_number(form.get("id_number") or "", ctx.today())
        phone = validation.validate_phone_or_last4(form.get("phone") or "")
    except validation.ValidationError as error:
        return await show_call(request, error=str(error), status=400)
    try:
        audit = access(account, call.reference, "坐席语音核验来电人身份")
        person = await asyncio.to_thread(ctx.store().verify_person, id_number, phone, access=audit)
    except CaseStoreError as error:
        return await show_call(request, error=error.user_message, status=503)
    if person is None:
        ctx.verify_failures[call.id] = failures + 1
        await asyncio.to_thread(
            ctx.calls.record, account, {"type": "verify_failed", "person": mask_id_number(id_number)}
        )
        left = MAX_VERIFY_FAILURES - failures - 1
        return await show_call(request, error=f"身份证号与登记手机号核对不上（还可核验 {left} 次）。", status=400)
    ctx.verified[(account.id, call.id)] = id_number
    masked = f"{person.name[:1]}**（{mask_id_number(id_number)}）"
    await asyncio.to_thread(
        ctx.calls.record,
        account,
        {"type": "verified", "person": masked, "method": "来电人语音口述，坐席核对"},
        person_id=None,
    )
    return response.redirect("/call/case", status=303)


def _field(form: Any, name: str) -> str:
    return (form.get(name) or "").strip()


def _for_verified_caller(
    handler: Callable[[Request, Any, str], Awaitable[HTTPResponse]],
) -> Callable[[Request], Awaitable[HTTPResponse]]:
    """The handler of a case action for the caller: called with the call and the caller's verified ID number."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> HTTPResponse:
        found = await _verified_call(request)
        if found is None:
            return await show_call(request, error="请先核验来电人身份。", status=403)
        return await handler(request, *found)

    return wrapped


async def _done(request: Request, what: str, reference: str, message: str) -> HTTPResponse:
    """Note the case action on the call's record and show the call again with ``message``."""
    event = {"type": "case_action", "what": what, "reference": reference, "status": "已提交"}
    await asyncio.to_thread(request.app.ctx.calls.record, request.ctx.account, event)
    return await show_call(request, message=message)


def _registration_answers(form: Any) -> tuple[str, str, bool, bool]:
    work = validation.validate_free_text(_field(form, "work_wanted"), what="想找的工作", example="电工、进厂、保洁")
    where = parse_work_location(_field(form, "work_location"))
    return work, where, _field(form, "needs_transport") == "yes", _field(form, "wants_training") == "yes"


@bp.post("/call/register")
@_for_verified_caller
async def register(request: Request, call: Any, id_number: str) -> HTTPResponse:
    """求职登记 on the verified caller's behalf, through the chat form's validators and the same store call."""
    try:
        work, where, transport, training = _registration_answers(request.form)
    except validation.ValidationError as error:
        return await show_call(request, error=str(error), status=400)
    ctx, account = request.app.ctx, request.ctx.account
    store = ctx.store()
    try:
        person = await asyncio.to_thread(
            store.find_person, id_number, access=access(account, call.reference, "坐席代办求职登记")
        )
        if person is None:
            return await show_call(request, error="没有找到来电人的档案，请到窗口办理首次登记。", status=400)
        registration, created = await asyncio.to_thread(
            store.upsert_registration,
            person.details(),
            work_wanted=work,
            local_or_away=where,
            needs_transport=transport,
            wants_training=training,
            access=access(account, call.reference, "坐席代办求职登记"),
        )
    except IdentityMismatch:
        return await show_call(request, error="登记信息与系统中的记录不一致，请到窗口办理。", status=409)
    except CaseStoreError as error:
        return await show_call(request, error=error.user_message, status=503)
    what = "代为求职登记" if created else "代为更新求职登记"
    return await _done(
        request, f"{what}（{work}）", registration.reference, f"{what}成功，登记编号 {registration.reference}。"
    )


@bp.post("/call/transport")
@_for_verified_caller
async def transport(request: Request, call: Any, id_number: str) -> HTTPResponse:
    """“点对点” sign-up on the verified caller's behalf."""
    ctx, account, form = request.app.ctx, request.ctx.account, request.form
    try:
        destination = validation.validate_free_text(_field(form, "destination"), what="目的地", example="江苏昆山")
        departure = validation.parse_departure_date(_field(form, "departure_date"), ctx.today())
        party = validation.validate_party_size(_field(form, "party_size"))
    except validation.ValidationError as error:
        return await show_call(request, error=str(error), status=400)
    try:
        ride, created = await asyncio.to_thread(
            ctx.store().create_transport_request,
            id_number,
            destination=destination,
            departure_date=departure,
            party_size=party,
            access=access(account, call.reference, "坐席代办“点对点”出行报名"),
        )
    except CaseStoreError as error:
        return await show_call(request, error=error.user_message, status=503)
    lead = "代为报名“点对点”出行" if created else "来电人已报过这一趟"
    what = f"{lead}（{departure:%Y-%m-%d} 去{destination}，{party}人）"
    return await _done(request, what, ride.reference, f"{lead}，编号 {ride.reference}。")


@bp.post("/call/end")
async def end_call(request: Request) -> HTTPResponse:
    """End the call and go to its summary draft."""
    ctx = request.app.ctx
    account = request.ctx.account
    call = await asyncio.to_thread(ctx.calls.end, account)
    if call is None:
        return response.redirect("/call", status=303)
    ctx.verified.pop((account.id, call.id), None)
    ctx.verify_failures.pop(call.id, None)
    return response.redirect(f"/contacts/{call.id}/summary", status=303)

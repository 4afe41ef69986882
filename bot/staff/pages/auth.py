"""Sign-in and sign-out."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.staff.web import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_login_csrf,
    render,
    tokens_match,
)

bp = Blueprint("auth")
NAV: tuple = ()
MAX_FIELD = 200


def _safe_next(target: str) -> str:
    """Only same-site paths are followed after sign-in."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _set_cookie(resp: HTTPResponse, name: str, value: str, secure: bool, max_age: int | None = None) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if secure:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


async def _form(request: Request, message: str = "", status: int = 200, username: str = "") -> HTTPResponse:
    token = new_login_csrf()
    resp = await render(
        request,
        "login.html",
        status=status,
        message=message,
        username=username,
        login_csrf=token,
        next_path=_safe_next(request.args.get("next", "/")),
    )
    _set_cookie(resp, LOGIN_CSRF_COOKIE, token, request.app.ctx.settings.console_cookie_secure)
    return resp


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    """The sign-in form (already signed in: go to the home page)."""
    if request.ctx.account is not None:
        return response.redirect("/")
    return await _form(request)


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    """Check the credentials; on success start a session (HttpOnly, SameSite=Strict cookie)."""
    form = request.form
    if not tokens_match(form.get(CSRF_FIELD, ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return await _form(request, "页面已过期，请重新输入用户名和密码。", status=403)
    username = (form.get("username") or "")[:MAX_FIELD]
    password = (form.get("password") or "")[:MAX_FIELD]
    if not username or not password:
        return await _form(request, "请输入用户名和密码。", status=400, username=username)
    result = await asyncio.to_thread(request.app.ctx.accounts.login, username, password)
    if result.token is None:
        return await _form(request, result.message, status=401, username=username)
    resp = response.redirect(_safe_next(form.get("next") or "/"), status=303)
    _set_cookie(resp, SESSION_COOKIE, result.token, request.app.ctx.settings.console_cookie_secure)
    del resp.cookies[LOGIN_CSRF_COOKIE]
    return resp


@bp.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session."""
    token = request.cookies.get(SESSION_COOKIE, "")
    await asyncio.to_thread(request.app.ctx.accounts.logout, token)
    resp = response.redirect("/login", status=303)
    del resp.cookies[SESSION_COOKIE]
    return resp

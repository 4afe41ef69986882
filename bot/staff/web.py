"""Sessions, CSRF, roles, security headers and template rendering for the staff console."""

from __future__ import annotations

import asyncio
import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mako.lookup import TemplateLookup
from markupsafe import Markup
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from bot.staff.accounts import Account, Accounts

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Route names (without the app's prefix) reachable without a session. Everything else needs one.
PUBLIC_ROUTES = frozenset({"auth.login_form", "auth.login", "static"})

Handler = Callable[..., Awaitable[HTTPResponse]]


@dataclass(frozen=True)
class NavItem:
    """A menu entry: label, path, and the roles that see it."""

    label: str
    path: str
    roles: tuple[str, ...] = ("agent", "supervisor")


def route_name(request: Request) -> str:
    """The route's name without the app prefix (``auth.login``), or ``""`` when nothing matched."""
    name = request.name or ""
    app_prefix = f"{request.app.name}."
    return name[len(app_prefix) :] if name.startswith(app_prefix) else name


def is_public(request: Request) -> bool:
    """Whether the matched route is one of :data:`PUBLIC_ROUTES`."""
    name = route_name(request)
    return name in PUBLIC_ROUTES or name.startswith("static")


def wants_html(request: Request) -> bool:
    """A browser navigation (GET of a page), as opposed to an API call."""
    return request.method == "GET" and not request.path.startswith("/api/")


def csrf_token_of(request: Request) -> str:
    """The CSRF token the request carries (header, form field or JSON field)."""
    token = request.headers.get(CSRF_HEADER, "")
    if token:
        return token
    if request.content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return request.form.get(CSRF_FIELD, "") or ""
    return ""


def tokens_match(given: str, expected: str) -> bool:
    """Constant-time comparison of two non-empty tokens."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def error_page(status: int, message: str) -> HTTPResponse:
    """A minimal Chinese error page (no template, so it works before sign-in)."""
    body = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>坐席工作台</title>'
        '<link rel="stylesheet" href="/static/console.css">'
        f'<main class="narrow"><h1>{status}</h1><p>{message}</p><p><a href="/">返回首页</a></p></main></html>'
    )
    return response.html(body, status=status)


async def authenticate(request: Request) -> HTTPResponse | None:
    """Request middleware: attach the signed-in account; refuse anything without a session or CSRF token."""
    request.ctx.account = None
    request.ctx.csrf_token = ""
    accounts: Accounts = request.app.ctx.accounts
    token = request.cookies.get(SESSION_COOKIE, "")
    signed = await asyncio.to_thread(accounts.session, token) if token else None
    if signed is not None:
        request.ctx.account = signed.account
        request.ctx.csrf_token = signed.csrf_token
    if request.route is None or is_public(request):
        return None
    if signed is None:
        if wants_html(request):
            return response.redirect(f"/login?next={quote(request.path)}")
        return response.json({"error": "未登录或登录已过期，请重新登录"}, status=401)
    if request.method not in SAFE_METHODS and not tokens_match(csrf_token_of(request), signed.csrf_token):
        if wants_html(request) or (request.method == "POST" and not request.path.startswith("/api/")):
            return error_page(403, "页面已过期（缺少安全令牌），请刷新页面后重试。")
        return response.json({"error": "缺少或错误的安全令牌，请刷新页面"}, status=403)
    return None


async def security_headers(request: Request, resp: HTTPResponse) -> None:
    """Response middleware: no framing, no sniffing, no caching of pages, scripts from this origin only."""
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    if not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")


def requires_role(*roles: str) -> Callable[[Handler], Handler]:
    """Restrict a handler to accounts with one of ``roles`` (the session itself is checked by middleware)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            account: Account | None = request.ctx.account
            if account is None:
                return response.json({"error": "未登录"}, status=401)
            if account.role not in roles:
                if wants_html(request):
                    return error_page(403, "您的账号没有访问这个页面的权限。")
                return response.json({"error": "没有权限"}, status=403)
            return await handler(request, *args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorate


def template_lookup() -> TemplateLookup:
    """Mako templates of the console, HTML-escaping every expression by default."""
    return TemplateLookup(
        directories=[str(HERE / "templates")],
        default_filters=["h"],
        input_encoding="utf-8",
        strict_undefined=True,
    )


async def render(request: Request, template: str, status: int = 200, **values: Any) -> HTTPResponse:
    """Render ``template`` with the signed-in account, the menu and a CSRF helper."""
    app: Sanic = request.app
    account: Account | None = request.ctx.account
    csrf = request.ctx.csrf_token
    nav = [item for item in app.ctx.nav if account and account.role in item.roles]

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf)

    html = app.ctx.templates.get_template(template).render(
        account=account,
        csrf_token=csrf,
        csrf_field=csrf_field,
        nav=nav,
        current_path=request.path,
        **values,
    )
    return response.html(html, status=status)


def new_login_csrf() -> str:
    """A random token for the double-submit check of the sign-in form."""
    return secrets.token_urlsafe(24)

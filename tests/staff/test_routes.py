"""Every route of the console is closed without a session, and every state change needs the CSRF token.

The routes are read from the app itself, so pages added later are covered without touching this test.
"""

from __future__ import annotations

import re

import pytest
import requests
from sanic import Sanic

from bot import settings
from bot.staff.app import create_app
from bot.staff.web import PUBLIC_ROUTES

from .conftest import Console, page_csrf

SAFE = {"GET", "HEAD", "OPTIONS"}


def _routes(db_url: str) -> list[tuple[str, str, str]]:
    Sanic.test_mode = True  # the app is only built to read its routes
    app = create_app(settings.load({"CASE_DB_URL": db_url}))
    prefix = f"{app.name}."
    found = []
    for route in app.router.routes:
        name = route.name[len(prefix) :] if route.name.startswith(prefix) else route.name
        path = "/" + re.sub(r"<([^:>]+)(?::(int|[^>]+))?>", lambda m: "1" if m.group(2) == "int" else "x", route.path)
        for method in sorted(route.methods):
            found.append((method, path.replace("//", "/"), name))
    app.ctx.engine.dispose()
    return found


@pytest.fixture(scope="module")
def routes(console: Console) -> list[tuple[str, str, str]]:
    found = _routes(console.db_url)
    assert len(found) >= 5
    return found


def _is_public(name: str) -> bool:
    return name in PUBLIC_ROUTES or name.startswith("static")


def test_only_the_sign_in_form_and_static_assets_are_public(routes) -> None:
    public = {name for _, _, name in routes if _is_public(name)}
    assert public <= {"auth.login_form", "auth.login", "static"}


def test_every_route_refuses_requests_without_a_session(console: Console, routes) -> None:
    checked = 0
    for method, path, name in routes:
        if _is_public(name) or method == "OPTIONS":
            continue
        response = requests.request(method, console.url + path, allow_redirects=False, timeout=10)
        if response.status_code in (301, 302, 303, 307):
            assert response.headers["Location"].startswith("/login"), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        assert "测试" not in response.text  # no demo person's name leaks into an error page
        checked += 1
    assert checked >= 2


def test_every_state_change_without_csrf_token_is_refused(console: Console, routes) -> None:
    http = console.session("supervisor")  # the broadest role
    checked = 0
    for method, path, name in routes:
        if method in SAFE or _is_public(name) or name == "auth.logout":
            continue
        for body in ({}, {"csrf_token": "forged"}):
            response = http.request(method, console.url + path, data=body, allow_redirects=False, timeout=10)
            assert response.status_code == 403, (method, path, response.status_code)
        checked += 1
    # Signing out without the token is refused too, and the session survives it.
    assert http.post(f"{console.url}/logout", allow_redirects=False, timeout=10).status_code == 403
    assert http.get(f"{console.url}/", allow_redirects=False, timeout=10).status_code == 200
    assert checked >= 0


def test_sign_out_with_the_token_ends_the_session(console: Console) -> None:
    http = console.session("agent")
    token = page_csrf(http, console.url)
    assert http.post(f"{console.url}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 303
    assert http.get(f"{console.url}/", allow_redirects=False).headers["Location"].startswith("/login")


def test_pages_carry_security_headers(console: Console) -> None:
    http = console.session("agent")
    response = http.get(f"{console.url}/", timeout=10)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    cookie = http.cookies.get("staff_session")
    assert cookie

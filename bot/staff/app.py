"""Build the staff console's Sanic app (nothing is built at import)."""

from __future__ import annotations

import functools
import importlib
from typing import Any

from sanic import Sanic

from actions.services import policy_responder
from bot import crypto
from bot.cases import make_store, sealed
from bot.cases.sql_store import build_engine
from bot.channels.wechat.api import WeChatApiClient
from bot.handoff.outbox import Outbox
from bot.handoff.queue import Handoffs
from bot.handoff.rasa_api import RasaConversations
from bot.settings import Settings
from bot.staff.accounts import Accounts
from bot.staff.assist import RasaNlu
from bot.staff.calls import Calls
from bot.staff.web import HERE, authenticate, error_page, security_headers, template_lookup

APP_NAME = "staff_console"
# Page modules under bot/staff/pages/, in menu order.
PAGE_MODULES = ("auth", "home", "assist", "caller", "handoff", "contacts", "dashboard")


def create_app(settings: Settings, **services: Any) -> Sanic:
    """The console app for ``settings``; ``services`` override parts (e.g. ``engine``) for tests."""
    app = Sanic(APP_NAME)
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.settings = settings
    engine = services.get("engine") or build_engine(settings.case_db_url)
    if settings.case_data_key:  # person rows read through this engine have sealed columns (bot.cases.sealed)
        sealed.attach(engine, crypto.from_settings(settings))
    app.ctx.engine = engine
    app.ctx.accounts = Accounts(engine, idle_minutes=settings.console_idle_minutes)
    app.ctx.templates = template_lookup()
    app.ctx.nav = []
    app.ctx.today = settings.today
    app.ctx.nlu = RasaNlu(f"http://{settings.rasa_host}:{settings.rasa_port}", settings.rasa_api_token)
    app.ctx.responder = policy_responder
    app.ctx.store = functools.lru_cache(maxsize=1)(lambda: make_store(settings))
    app.ctx.calls = Calls(engine, today=settings.today)
    app.ctx.rasa = RasaConversations(f"http://{settings.rasa_host}:{settings.rasa_port}", settings.rasa_api_token)
    app.ctx.handoffs = Handoffs(engine, app.ctx.rasa)
    app.ctx.outbox = Outbox(engine)
    app.ctx.wechat = functools.lru_cache(maxsize=1)(
        lambda: WeChatApiClient(settings.wechat_api_base, settings.wechat_appid, settings.wechat_appsecret)
    )
    # The ID number a caller verified, per (account, call), for the call only; and failed checks per call.
    app.ctx.verified = {}
    app.ctx.verify_failures = {}
    for key, value in services.items():
        setattr(app.ctx, key, value)
    for name in PAGE_MODULES:
        module = importlib.import_module(f"bot.staff.pages.{name}")
        app.blueprint(module.bp)
        app.ctx.nav.extend(module.NAV)
    app.static("/static", str(HERE / "static"), name="static")
    app.register_listener(_warm_up, "after_server_start")
    app.register_middleware(authenticate, "request")
    app.register_middleware(security_headers, "response")

    @app.exception(Exception)
    async def _error(request, exc):  # type: ignore[no-untyped-def]
        status = getattr(exc, "status_code", 500) or 500
        if status == 404:
            return error_page(404, "没有这个页面。")
        if status == 405:
            return error_page(405, "不支持这种请求方式。")
        if status < 500:
            return error_page(status, "请求无效。")
        _log_exception(exc)
        return error_page(500, "服务器出错了，请稍后再试；问题已记录。")

    return app


async def _warm_up(app: Sanic, _loop: Any) -> None:
    """Build the policy responder (jieba, search index) before the first caller's question needs it."""
    import asyncio

    task = asyncio.get_running_loop().run_in_executor(None, lambda: app.ctx.responder().retriever.search("以工代训"))
    app.ctx.warm_up = task


def _log_exception(exc: BaseException) -> None:
    import logging

    from bot.privacy import mask_pii

    logging.getLogger("bot.staff").error("console error: %s", mask_pii(repr(exc)), exc_info=False)

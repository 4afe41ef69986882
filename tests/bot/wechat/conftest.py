"""Fixtures for the WeChat channel tests.

The channel is served by a real Sanic app on a loopback port, driven by wechatpy as the independent peer
(see ``wechat_peer``), with a loopback stand-in for the WeChat API and, where asked, the real Redis on
127.0.0.1:6379.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The suite runs with --import-mode=importlib, which puts no test directory on sys.path; the test modules
# here share the peer helpers through this one directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from wechat_peer import (
    AES_KEY,
    APPID,
    TOKEN,
    FakeBot,
    FakeClock,
    FakeWeChatApi,
    Peer,
    SanicServer,
)

from bot import settings as settings_mod
from bot.channels.wechat import WeChatInput

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


# -- assembled channel -------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def wechat_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    yield api
    api.close()


def channel_env(api_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APPID": APPID,
        "WECHAT_APPSECRET": "s3cret",
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE": api_url,
        "REDIS_URL": "",
        # These tests cover plain, safe and compatible mode with one configuration; refusing plaintext while a
        # key is set (the default) is tested in tests/security.
        "WECHAT_ACCEPT_PLAINTEXT": "1",
    }
    env.update(overrides)
    return env


@pytest.fixture
def serve(clock: FakeClock, bot: FakeBot, wechat_api: FakeWeChatApi) -> Iterator[Callable[..., Peer]]:
    """Start the channel in a Sanic server and return a :class:`Peer` for it.

    Keyword arguments: ``env`` overrides for the settings, ``bot`` another fake bot, and any
    :class:`WeChatInput` keyword (``reply_deadline``, ``key_prefix`` …). The reply deadline defaults to
    30 s so that only the tests about slow turns take the customer-service path.
    """
    servers: list[SanicServer] = []

    def start(env: dict[str, str] | None = None, bot_: FakeBot | None = None, **kwargs: Any) -> Peer:
        settings = settings_mod.load(channel_env(wechat_api.url, **(env or {})))
        kwargs.setdefault("reply_deadline", 30.0)
        channel = WeChatInput(settings, clock=clock, **kwargs)
        server = SanicServer(channel.blueprint(bot_ or bot)).start()
        servers.append(server)
        return Peer(server.url, clock, token=settings.wechat_token or TOKEN)

    yield start
    for server in servers:
        server.stop()


class LogWatch(logging.Handler):
    """Sets an event when a record containing ``needle`` is logged."""

    def __init__(self, needle: str) -> None:
        super().__init__(logging.DEBUG)
        self.needle = needle
        self.seen = threading.Event()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.count += 1
            self.seen.set()


@pytest.fixture
def watch_log() -> Iterator[Callable[[str, str], LogWatch]]:
    """Attach a :class:`LogWatch` to a logger (at DEBUG) for the test's duration."""
    attached: list[tuple[logging.Logger, LogWatch, int]] = []

    def attach(logger_name: str, needle: str) -> LogWatch:
        logger = logging.getLogger(logger_name)
        handler = LogWatch(needle)
        attached.append((logger, handler, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        return handler

    yield attach
    for logger, handler, level in attached:
        logger.removeHandler(handler)
        logger.setLevel(level)

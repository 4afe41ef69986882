"""The channel as Rasa loads and mounts it: credentials.yml entry, settings from the environment, routes."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import InputChannel, register
from rasa.core.run import _create_single_channel
from sanic import Sanic
from wechat_peer import AES_KEY, APPID, OPENID, TOKEN, FakeClock, Peer, SanicServer, text_xml


@pytest.fixture
def wechat_env(monkeypatch, wechat_api):
    for name, value in {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APPID": APPID,
        "WECHAT_APPSECRET": "s3cret",
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE": wechat_api.url,
        "REDIS_URL": "",
    }.items():
        monkeypatch.setenv(name, value)


def test_credentials_entry_builds_the_channel_from_settings(wechat_env):
    # credentials.yml expands ${WECHAT_TOKEN} and friends, possibly to "": the settings win.
    channel = _create_single_channel("bot.channels.wechat.WeChatInput", {"token": "", "appid": ""})
    assert isinstance(channel, InputChannel)
    assert channel.name() == "wechat"
    assert channel.settings.wechat_token == TOKEN
    assert channel.settings.wechat_appid == APPID


def test_rasa_register_serves_the_webhook_and_hands_messages_to_the_agent(wechat_env, bot):
    channel = _create_single_channel("bot.channels.wechat.WeChatInput", {})
    clock = FakeClock(time.time())  # the channel built by Rasa uses the real clock
    Sanic.test_mode = True
    app = Sanic(f"rasa_like_{uuid.uuid4().hex[:12]}")
    app.ctx.agent = SimpleNamespace(handle_message=bot)
    register([channel], app, route="/webhooks/")
    server = SanicServer(app=app).start()
    try:
        peer = Peer(server.url, clock)
        assert peer.reply_text(peer.send(text_xml("你好"), "safe"), "safe") == "收到：你好"
        assert bot.calls[0].sender_id == OPENID
        assert bot.calls[0].input_channel == "wechat"
    finally:
        server.stop()

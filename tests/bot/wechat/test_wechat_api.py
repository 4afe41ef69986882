"""WeChatApiClient against a loopback stand-in of the WeChat API."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from wechat_peer import FakeClock

from bot.channels.wechat.api import WeChatApiClient, WeChatApiError, WeChatTransportError


@pytest.fixture
def client(wechat_api):
    api_client = WeChatApiClient(wechat_api.url, "wxappid", "secret", timeout=5)
    yield api_client
    api_client.close()


def test_token_is_fetched_once_and_cached(client, wechat_api):
    client.send_text("oA", "一")
    client.send_text("oA", "二")
    assert len(wechat_api.recorded("/cgi-bin/token")) == 1
    assert wechat_api.recorded("/cgi-bin/token")[0]["query"] == {
        "grant_type": "client_credential",
        "appid": "wxappid",
        "secret": "secret",
    }
    assert wechat_api.sent_texts() == ["一", "二"]


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_rejected_token_is_refetched_and_the_call_retried_once(client, wechat_api, errcode):
    wechat_api.rejected_tokens.add("token-1")
    wechat_api.rejected_errcode = errcode
    client.send_text("oA", "你好")
    sends = wechat_api.recorded("/cgi-bin/message/custom/send")
    assert [s["query"]["access_token"] for s in sends] == ["token-1", "token-2"]
    assert wechat_api.sent_texts() == ["你好"]


def test_retry_happens_only_once(client, wechat_api):
    wechat_api.rejected_tokens.update({"token-1", "token-2", "token-3"})
    with pytest.raises(WeChatApiError) as info:
        client.send_text("oA", "你好")
    assert info.value.errcode == 40001
    assert len(wechat_api.recorded("/cgi-bin/message/custom/send")) == 2


def test_token_refreshed_before_expiry(wechat_api):
    clock = FakeClock(1000.0)
    api_client = WeChatApiClient(wechat_api.url, "wxappid", "secret", clock=clock)
    assert api_client.access_token() == "token-1"
    clock.now += 7200 - 301
    assert api_client.access_token() == "token-1"
    clock.now += 2  # within five minutes of the announced expiry
    assert api_client.access_token() == "token-2"
    assert api_client.access_token(force_refresh=True) == "token-3"


def test_other_errors_are_typed_and_not_retried(client, wechat_api):
    wechat_api.send_errcode = 45015
    with pytest.raises(WeChatApiError) as info:
        client.send_text("oA", "你好")
    assert info.value.errcode == 45015
    assert len(wechat_api.recorded("/cgi-bin/message/custom/send")) == 1


def test_message_body_is_utf8_json(client, wechat_api):
    client.send_text("oA", "就业补贴")
    send = wechat_api.recorded("/cgi-bin/message/custom/send")[0]
    assert send["json"] == {"touser": "oA", "msgtype": "text", "text": {"content": "就业补贴"}}
    assert "就业补贴".encode() in send["raw"]


def test_unreachable_server_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api_client = WeChatApiClient(f"http://127.0.0.1:{port}", "a", "b", timeout=2)
    with pytest.raises(WeChatTransportError):
        api_client.access_token()


@pytest.mark.parametrize(("status", "body"), [(200, b"<html>"), (502, b"{}"), (200, b"[1]"), (200, b"{}")])
def test_unexpected_answers_are_transport_errors(status, body):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        api_client = WeChatApiClient(f"http://127.0.0.1:{server.server_address[1]}", "a", "b", timeout=5)
        with pytest.raises(WeChatTransportError):
            api_client.access_token()
    finally:
        server.shutdown()
        server.server_close()


def test_configured():
    assert WeChatApiClient("http://127.0.0.1:1", "a", "b").configured
    assert not WeChatApiClient("http://127.0.0.1:1", "a", "").configured

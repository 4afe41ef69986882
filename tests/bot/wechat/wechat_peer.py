"""WeChat's side of the webhook for the tests, and the loopback stand-ins the channel talks to.

wechatpy is the independent peer: it signs, encrypts, decrypts and parses; the message XML is written here
as WeChat documents it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import xmltodict
from sanic import Sanic
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from evaluation.bench.servers import send_json

TOKEN = "Tok3n_for_tests"
APPID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
OPENID = "oUser_0123456789abcdefghijk"
ACCOUNT = "gh_0123456789ab"
NOW = 1_714_036_504
WEBHOOK = "/webhooks/wechat/webhook"


# -- clock ---------------------------------------------------------------------------------------


class FakeClock:
    """A settable Unix clock."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the bot that Rasa would be ----------------------------------------------------------------


class FakeBot:
    """Plays the assistant for ``on_new_message``: records each turn and answers ``收到：<text>``.

    ``answer`` can be replaced; ``gate`` (a threading.Event) holds every turn until it is set.
    """

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self._lock = threading.Lock()
        self.answer: Callable[[str], list[dict[str, Any]]] = lambda text: [{"text": f"收到：{text}"}]
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.finished = threading.Event()

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [m.text for m in self.calls]

    async def __call__(self, message: Any) -> None:
        with self._lock:
            self.calls.append(message)
        self.started.set()
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        for bot_message in self.answer(message.text):
            await message.output_channel.send_response(message.sender_id, dict(bot_message))
        self.finished.set()


# -- Sanic on loopback ---------------------------------------------------------------------------


class SanicServer:
    """Serves a blueprint under ``/webhooks/wechat`` (or a ready app) in a background thread with its own loop."""

    def __init__(self, blueprint: Any = None, app: Sanic | None = None) -> None:
        # Several apps in one process: test mode keeps Sanic's start-up rewriting of its own methods
        # (TouchUp) from compounding from one app to the next.
        Sanic.test_mode = True
        if app is None:
            app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}")
            app.blueprint(blueprint, url_prefix="/webhooks/wechat")
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> SanicServer:
        self._thread.start()
        if not self._ready.wait(20) or self._error:
            raise RuntimeError(f"Sanic did not start: {self._error!r}")
        return self

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                self.app.create_server(sock=self._sock, return_asyncio_server=True, access_log=False)
            )
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.before_start())
            loop.run_until_complete(server.after_start())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(server.before_stop())
        server.close()
        loop.run_until_complete(server.wait_closed())
        # Keep-alive connections of the test's HTTP sessions: close them while the loop still runs.
        for connection in list(server.connections):
            connection.close_if_idle()
        for _ in range(20):
            if not server.connections:
                break
            loop.run_until_complete(asyncio.sleep(0.01))
        for connection in list(server.connections):
            connection.abort()
        loop.run_until_complete(server.after_stop())
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(20)


# -- stand-in for api.weixin.qq.com ------------------------------------------------------------


class FakeWeChatApi:
    """A loopback HTTP server that answers like the WeChat API and records every request.

    Each token fetch hands out ``token-1``, ``token-2`` …; tokens in ``rejected_tokens`` get
    ``rejected_errcode`` (40001) on use; ``send_errcode`` fails every customer-service send with that code.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.rejected_tokens: set[str] = set()
        self.send_errcode = 0
        self.rejected_errcode = 40001
        self.expires_in = 7200
        self._lock = threading.Lock()
        self._issued = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _record(self, body: bytes) -> dict[str, Any]:
                parts = urlsplit(self.path)
                entry = {
                    "method": self.command,
                    "path": parts.path,
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "raw": body,
                    "json": json.loads(body) if body else None,
                }
                with api._lock:
                    api.requests.append(entry)
                return entry

            def _answer(self, payload: dict[str, Any]) -> None:
                send_json(self, payload)

            def do_GET(self) -> None:
                entry = self._record(b"")
                if entry["path"] != "/cgi-bin/token":
                    self._answer({"errcode": 40004, "errmsg": "not found"})
                    return
                with api._lock:
                    api._issued += 1
                    token = f"token-{api._issued}"
                self._answer({"access_token": token, "expires_in": api.expires_in})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                entry = self._record(body)
                token = entry["query"].get("access_token", "")
                if token in api.rejected_tokens:
                    self._answer({"errcode": api.rejected_errcode, "errmsg": "invalid credential"})
                elif entry["path"] == "/cgi-bin/message/custom/send" and api.send_errcode:
                    self._answer({"errcode": api.send_errcode, "errmsg": "refused"})
                else:
                    self._answer({"errcode": 0, "errmsg": "ok"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def recorded(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def sent_texts(self) -> list[str]:
        return [
            r["json"]["text"]["content"]
            for r in self.recorded("/cgi-bin/message/custom/send")
            if r["query"].get("access_token") not in self.rejected_tokens
        ]

    def wait_for_sends(self, count: int, timeout: float = 20.0) -> list[str]:
        """Wait until ``count`` customer-service messages were accepted, and return their texts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.sent_texts()
            if len(texts) >= count:
                return texts
            time.sleep(0.02)
        return self.sent_texts()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the peer: WeChat's side, built with wechatpy -------------------------------------------------


def sign(*values: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*values)
    return signer.signature


def text_xml(content: str, msg_id: int = 1001, openid: str = OPENID, create_time: int = NOW) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def voice_xml(recognition: str | None, msg_id: int = 2001) -> str:
    rec = "" if recognition is None else f"<Recognition><![CDATA[{recognition}]]></Recognition>"
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
        f"<MediaId><![CDATA[media_1]]></MediaId><Format><![CDATA[amr]]></Format>{rec}<MsgId>{msg_id}</MsgId></xml>"
    )


def image_xml(msg_id: int = 3001) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://127.0.0.1/p.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, event_key: str | None = None, create_time: int = NOW, openid: str = OPENID) -> str:
    key = "" if event_key is None else f"<EventKey><![CDATA[{event_key}]]></EventKey>"
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key}</xml>"
    )


class Peer:
    """WeChat's side of the webhook: signs (and in safe/compatible mode encrypts) with wechatpy."""

    def __init__(self, url: str, clock: FakeClock, token: str = TOKEN, aes_key: str = AES_KEY) -> None:
        self.url = url + WEBHOOK
        self.clock = clock
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, APPID)
        self.http = requests.Session()

    def query(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(self.clock()))
        nonce = nonce or str(secrets.randbelow(10**10))
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}

    def encrypt(self, xml: str, query: dict[str, str]) -> str:
        envelope = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        return xmltodict.parse(envelope)["xml"]["Encrypt"]

    def build(self, xml: str, mode: str = "plain", query: dict[str, str] | None = None) -> tuple[dict[str, str], bytes]:
        """Return the query and body WeChat would send for ``xml`` in ``mode`` (plain, safe, compat)."""
        query = dict(query or self.query())
        if mode == "plain":
            return query, xml.encode()
        encrypt = self.encrypt(xml, query)
        query.update(
            encrypt_type="aes",
            msg_signature=sign(self.token, query["timestamp"], query["nonce"], encrypt),
            openid=OPENID,
        )
        encrypt_element = f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
        if mode == "compat":  # the plaintext fields and the ciphertext side by side
            body = xml.replace("</xml>", f"{encrypt_element}</xml>")
        else:
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>{encrypt_element}</xml>"
        return query, body.encode()

    def send(self, xml: str, mode: str = "plain", query: dict[str, str] | None = None) -> requests.Response:
        query, body = self.build(xml, mode, query)
        return self.post(query, body)

    def post(self, query: dict[str, str], body: bytes, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url, params=query, data=body, timeout=30, **kwargs)

    def reply_text(self, response: requests.Response, mode: str = "plain") -> str | None:
        """Parse (and in safe mode check and decrypt) a reply with wechatpy; None for ``success``."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return None
        xml = response.text
        if mode != "plain":
            envelope = xmltodict.parse(xml)["xml"]
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        reply = parse_message(xml)
        assert reply.type == "text"
        assert reply.source == ACCOUNT and reply.target == OPENID
        return reply.content

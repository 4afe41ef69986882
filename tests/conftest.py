"""Shared fixtures: the real knowledge base and domain, a dispatcher, a tracker builder, the trained model."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import loopback
import pytest
import requests
import yaml
from loopback import free_port
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.loader import default_kb
from policy_kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
TOKEN = "test-token-for-the-http-api"
CONSOLE_PASSWORD = "console-e2e-Passw0rd"
ACTIONS_TOKEN = "test-shared-secret-of-the-action-server"
WECHAT_TOKEN = "e2e_wechat_token"
WECHAT_APPID = "wx00e2e0000000test"
WECHAT_AES_KEY = "e2eAesKeyForTheWeChatChannel0123456789abcde"  # 43 characters

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# The case store needs a data key (ID numbers, phones and names are encrypted, lookups keyed); tests use a fixed one.
TEST_DATA_KEY = "ktest:" + "A" * 43
os.environ.setdefault("CASE_DATA_KEY", TEST_DATA_KEY)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The project's real knowledge base."""
    return default_kb()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain, as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A fresh dispatcher that collects what the action says."""
    return CollectingDispatcher()


@pytest.fixture
def said(domain: dict[str, Any]) -> Callable[[CollectingDispatcher], list[str]]:
    """What the user reads of the dispatcher's messages: texts, and the domain's text for ``response=`` ones."""

    def texts(dispatcher: CollectingDispatcher) -> list[str]:
        return [m["text"] or domain["responses"][m["response"]][0]["text"] for m in dispatcher.messages]

    return texts


TrackerBuilder = Callable[..., Tracker]


@pytest.fixture
def tracker_for() -> TrackerBuilder:
    """Build a tracker whose latest message is ``text`` parsed as ``intent``."""

    def build(
        text: str,
        intent: str,
        confidence: float = 0.95,
        slots: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        ranking: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        sender_id: str = "test-user",
    ) -> Tracker:
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
            "entities": entities or [],
        }
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=message,
            events=[],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return build


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The trained model (``make test`` trains it before pytest runs)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    return MODEL


@dataclass
class Servers:
    """The running assistant: Rasa and action server URLs, and the process that runs both."""

    rasa: str
    actions: str
    process: subprocess.Popen
    console: str = ""
    console_password: str = CONSOLE_PASSWORD
    case_db_url: str = ""
    event_broker_url: str = ""
    token: str = TOKEN
    actions_token: str = ACTIONS_TOKEN
    wechat_token: str = WECHAT_TOKEN
    wechat_appid: str = WECHAT_APPID
    wechat_aes_key: str = WECHAT_AES_KEY

    def replies(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Send ``text`` as ``sender`` through the REST channel; the bot's messages as sent."""
        response = requests.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def say(self, sender: str, text: str) -> str:
        """Send ``text`` as ``sender`` through the REST channel; the bot's replies as one text."""
        return "\n".join(r.get("text", "") for r in self.replies(sender, text))

    def say_all(self, sender: str, *texts: str) -> str:
        """Send each of ``texts`` in turn as ``sender``; the replies to the last one."""
        reply = ""
        for text in texts:
            reply = self.say(sender, text)
        return reply


@pytest.fixture(scope="session")
def servers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from serve(tmp_path_factory, "2026-11-28")


@pytest.fixture(scope="session")
def serve_assistant() -> Callable[..., Iterator[Servers]]:
    """:func:`serve`, for modules that need the assistant on another day or with more data."""
    return serve


def serve(
    tmp_path_factory: pytest.TempPathFactory,
    today: str,
    prepare: Callable[[str], None] | None = None,
    env_extra: dict[str, str] | None = None,
) -> Iterator[Servers]:
    """Seed a fresh SQLite case database, let ``prepare(db_url)`` add rows, and run the assistant on ``today``
    (with ``env_extra`` added to its environment)."""
    rasa_port, actions_port, console_port = free_port(), free_port(), free_port()
    db = tmp_path_factory.mktemp("db") / "cases.db"
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        RASA_API_TOKEN=TOKEN,
        CONSOLE_PORT=str(console_port),
        CONSOLE_DEMO_PASSWORD=CONSOLE_PASSWORD,
        ACTIONS_TOKEN=ACTIONS_TOKEN,
        CASE_DATA_KEY=TEST_DATA_KEY,
        ASSISTANT_TODAY=today,
        CASE_DB_URL=f"sqlite:///{db}",
        TRACKER_DB_URL=f"sqlite:///{db.with_name('tracker.db')}",
        WECHAT_TOKEN=WECHAT_TOKEN,
        WECHAT_APPID=WECHAT_APPID,
        WECHAT_APPSECRET="test-secret",
        WECHAT_ENCODING_AES_KEY=WECHAT_AES_KEY,
        WECHAT_API_BASE="http://127.0.0.1:9",
        REDIS_URL="",
        EVENT_BROKER_URL=f"sqlite:///{db.parent / 'events.db'}",
        ANALYTICS_POLL_SECONDS="2",
    )
    env.update(env_extra or {})
    subprocess.run([sys.executable, "-m", "bot", "db"], cwd=ROOT, env=env, check=True, capture_output=True)
    if prepare is not None:
        prepare(f"sqlite:///{db}")
    log = (tmp_path_factory.mktemp("logs") / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    rasa = f"http://127.0.0.1:{rasa_port}"
    failure = loopback.wait_for_rasa(rasa, TOKEN, proc, Path(log.name))
    if failure:
        pytest.fail(failure)
    deadline = time.monotonic() + 120
    console = f"http://127.0.0.1:{console_port}"
    while time.monotonic() < deadline:
        try:
            requests.get(f"{console}/login", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    yield Servers(
        rasa=rasa,
        actions=f"http://127.0.0.1:{actions_port}",
        process=proc,
        console=console,
        case_db_url=env["CASE_DB_URL"],
        event_broker_url=env["EVENT_BROKER_URL"],
    )
    # Ctrl-C stops both servers: afterwards both ports can be bound again.
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    finally:
        log.close()
    for port in (rasa_port, actions_port, console_port):
        _wait_until_free(port)


def _wait_until_free(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"port {port} still in use after the servers were stopped")
        time.sleep(0.5)


@pytest.fixture
def seeded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh SQLite case database with the demo data, used by the actions through their settings."""
    from actions import services
    from bot.cases.admin import migrate_and_seed

    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate_and_seed(url)
    monkeypatch.setenv("CASE_DB_URL", url)
    monkeypatch.delenv("CASE_API_URL", raising=False)
    services.case_store.cache_clear()
    yield services.case_store()
    services.case_store().close()
    services.case_store.cache_clear()


# --- a loopback SMS gateway ---------------------------------------------------------------------------------


class SmsServer(ThreadingHTTPServer):
    """A loopback SMS gateway that records what it was asked to send (or answers ``status``)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 202

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"

    def last_code(self) -> str:
        """The six digits of the latest message."""
        return self.received[-1][1]["text"].split("验证码是 ")[1][:6]


class _Handler(BaseHTTPRequestHandler):
    server: SmsServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def sms_server() -> Iterator[SmsServer]:
    """A loopback SMS gateway for the module (tests clear ``received`` when they count messages)."""
    server = SmsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- real services on loopback --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """URL of the ``test`` database on 127.0.0.1:5432, starting the cluster if needed; else the test is skipped."""
    url = loopback.postgres_url()
    if url is None:
        pytest.skip(
            "PostgreSQL is not reachable on 127.0.0.1:5432 (db test, user root/postgres), even after starting it"
        )
    return url


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema, dropped afterwards."""
    with loopback.postgres_schema(pg_base_url) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of the real Redis on loopback, started if needed; the test is skipped without it."""
    url = loopback.redis_url()
    if url is None:
        pytest.skip(f"Redis is not reachable on {loopback.REDIS_HOST}:{loopback.REDIS_PORT} and could not be started")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to the test; its keys are removed afterwards."""
    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()

"""Load and fault benchmark of the cluster (``make bench-cluster``; not a timed test).

Starts ``python -m bot cluster`` (2 Rasa processes, 2 action servers behind HAProxy) on fresh PostgreSQL schemas
and a Redis database of its own, and a loopback stand-in for WeChat's API (access token, customer-service
messages). Then ``--users`` WeChat users, each signed and encrypted with wechatpy as WeChat would, register for
work and ask two questions, one message at a time: WeChat's side waits 5 s for a passive reply and sends the same
message again (three tries in all); an answer that comes as ``success`` must arrive through the customer-service
API instead. While they write, one action server is killed, then one Rasa process, then PostgreSQL is restarted.

Printed: turns and latency (first send → answer, passive or customer-service) p50/p95/p99, passive-reply deadline
misses, answers through the customer-service API, messages without an answer or with two, and registrations
expected vs stored (each user's ID number exactly once, checked through the keyed hash).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from bot import crypto
from bot.cluster import interrupt
from bot.settings import PROJECT_ROOT
from bot.validation import id_check_digit
from evaluation.bench import faults
from evaluation.bench.servers import free_port, send_json

TOKEN = "bench_cluster_token"
APPID = "wxbenchcluster0001"
AES_KEY = "".join(
    random.Random(13).choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(43)
)
ACCOUNT = "gh_benchcluster"
PG = "postgresql+psycopg2://root@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/7"
PASSIVE_DEADLINE_S = 5.0
CUSTOM_WAIT_S = 40.0
# (message, a word the next reply contains when the step worked)
SCRIPT = (
    ("我想登记找工作", "身份证"),
    ("{id}", "手机"),
    ("{phone}", "姓名"),
    ("张测试", "县区"),
    ("沂南", "哪一类"),
    ("我是脱贫户", "什么样的工作"),
    ("想进厂干电工", "本地"),
    ("去外地", "专车"),
    ("要", "培训"),
    ("不用", "确认"),
    ("确认", "已登记"),
)
# After registering, each user keeps asking until the run ends (so that the faults hit a loaded cluster).
QUESTIONS = (
    ("公益岗签几年", "公益"),
    ("以工代训补贴每人每月多少钱", "以工代训"),
    ("外出务工有一次性交通补贴吗", "补贴"),
)


# --- WeChat's API, on loopback ---------------------------------------------------------------------------------


class WeChatApi(ThreadingHTTPServer):
    """Hands out an access token and records customer-service messages by openid."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ApiHandler)
        self.lock = threading.Lock()
        self.custom: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.tokens = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ApiHandler(BaseHTTPRequestHandler):
    server: WeChatApi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, body: dict[str, Any]) -> None:
        send_json(self, body)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.tokens += 1
        self._json({"access_token": f"bench-token-{uuid.uuid4().hex}", "expires_in": 7200})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if urlsplit(self.path).path.endswith("/message/custom/send"):
            with self.server.lock:
                self.server.custom[body["touser"]].append((time.monotonic(), body["text"]["content"]))
        self._json({"errcode": 0, "errmsg": "ok"})


# --- one WeChat user ------------------------------------------------------------------------------------------


def _sign(*values: str) -> str:
    return hashlib.sha1("".join(sorted(values)).encode()).hexdigest()


@dataclass
class Turn:
    """One message of a user and what became of it."""

    text: str
    latency: float | None = None
    passive: int = 0
    custom: int = 0
    deadline_missed: bool = False
    tries: int = 0
    at: float = 0.0  # when it was first sent (monotonic)
    passive_text: str = ""
    status: int = 200


@dataclass
class User:
    """A WeChat user with an openid, a fictional ID number and phone, and their turns."""

    n: int
    url: str
    api: WeChatApi
    openid: str = ""
    id_number: str = ""
    phone: str = ""
    turns: list[Turn] = field(default_factory=list)
    registered: bool = False
    msg_seq: int = 0

    def __post_init__(self) -> None:
        self.openid = f"o_bench_{uuid.uuid4().hex[:20]}"
        first17 = f"37132219900115{self.n:03d}"  # born 1990-01-15, 沂南县
        self.id_number = first17 + id_check_digit(first17)
        self.phone = f"139{random.randrange(10**8):08d}"
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
        self.http = requests.Session()

    def _post(self, xml: str, msg_id: int) -> requests.Response:
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        encrypt = envelope["Encrypt"]
        query = {
            "signature": _sign(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": _sign(TOKEN, timestamp, nonce, encrypt),
            "openid": self.openid,
        }
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return self.http.post(self.url, params=query, data=body.encode(), timeout=PASSIVE_DEADLINE_S)

    def _passive_text(self, response: requests.Response) -> str | None:
        if response.status_code != 200 or response.text in ("", "success"):
            return None
        envelope = xmltodict.parse(response.text)["xml"]
        xml = self.crypto.decrypt_message(
            response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
        )
        return parse_message(xml).content

    def say(self, text: str) -> str:
        """Send ``text`` the way WeChat does and return the answer ('' when none came)."""
        self.msg_seq += 1
        msg_id = int(f"{self.n + 1:04d}{self.msg_seq:04d}{random.randrange(10**8):08d}")
        xml = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{self.openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        )
        turn = Turn(text, at=time.monotonic())
        self.turns.append(turn)
        with self.api.lock:
            seen = len(self.api.custom[self.openid])
        start = time.monotonic()
        answer = ""
        for attempt in range(3):  # WeChat's three tries of one message
            turn.tries = attempt + 1
            try:
                response = self._post(xml, msg_id)
                turn.status = response.status_code
                reply = self._passive_text(response)
            except requests.RequestException:
                turn.deadline_missed = True
                continue
            if reply:
                turn.passive += 1
                answer = turn.passive_text = reply
            break
        if not answer:  # "success" or no answer: it must come through the customer-service API
            deadline = time.monotonic() + CUSTOM_WAIT_S
            while time.monotonic() < deadline:
                with self.api.lock:
                    fresh = self.api.custom[self.openid][seen:]
                if fresh:
                    answer = "\n".join(content for _t, content in fresh)
                    break
                time.sleep(0.1)
        turn.latency = time.monotonic() - start if answer else None
        return answer

    def _step(self, text: str, expected: str, stop_at: float) -> bool:
        """Send ``text`` until the answer contains ``expected`` (at most three times, as a person would)."""
        for _ in range(3):
            if time.monotonic() > stop_at:
                return False
            if expected in self.say(text):
                return True
            time.sleep(1)
        return False

    def run(self, stop_at: float) -> None:
        """Register following the script, then ask questions until ``stop_at``."""
        for message, expected in SCRIPT:
            if not self._step(message.format(id=self.id_number, phone=self.phone), expected, stop_at):
                return  # stuck or out of time: the script cannot go on
        self.registered = True
        n = 0
        while time.monotonic() < stop_at:
            text, expected = QUESTIONS[(self.n + n) % len(QUESTIONS)]
            self._step(text, expected, stop_at)
            n += 1


# --- the run ----------------------------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench.cluster", description="集群负载与故障基准")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--redis", default=REDIS)
    args = parser.parse_args(argv)

    api = WeChatApi()
    threading.Thread(target=api.serve_forever, daemon=True).start()
    tag = uuid.uuid4().hex[:8]
    schemas = {name: f"bench_cluster_{tag}_{name}" for name in ("cases", "tracker", "events")}
    urls = {name: f"{args.pg}?options=-csearch_path%3D{schema}" for name, schema in schemas.items()}
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    data_key = crypto.generate_key("bench")
    rasa_port, actions_port, console_port, base = free_port(), free_port(), free_port(), 20000 + random.randrange(12000)
    folder = PROJECT_ROOT / "var" / "bench-cluster"
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        CONSOLE_PORT=str(console_port),
        CLUSTER_BASE_PORT=str(base),
        CLUSTER_DIR=str(folder),
        CASE_DB_URL=urls["cases"],
        TRACKER_DB_URL=urls["tracker"],
        EVENT_BROKER_URL=urls["events"],
        REDIS_URL=args.redis,
        CASE_DATA_KEY=data_key,
        RASA_API_TOKEN=secrets.token_urlsafe(16),
        ACTIONS_TOKEN=secrets.token_urlsafe(16),
        CONSOLE_DEMO_PASSWORD=secrets.token_urlsafe(12),
        WECHAT_TOKEN=TOKEN,
        WECHAT_APPID=APPID,
        WECHAT_APPSECRET="bench-secret",
        WECHAT_ENCODING_AES_KEY=AES_KEY,
        WECHAT_API_BASE=api.base,
        ASSISTANT_TODAY="2026-11-28",
        RASA_TELEMETRY_ENABLED="false",
    )
    cluster = subprocess.Popen(
        [sys.executable, "-m", "bot", "cluster"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert cluster.stdout is not None
        for line in cluster.stdout:
            if "集群已启动" in line:
                break
        else:
            print("集群没有启动，请查看 var/bench-cluster/ 下的日志", file=sys.stderr)
            return 1
        threading.Thread(target=lambda: [None for _ in cluster.stdout], daemon=True).start()  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{rasa_port}/webhooks/wechat/webhook"
        users = [User(n, url, api) for n in range(args.users)]
        t0 = time.monotonic()
        stop_at = t0 + args.seconds
        fault_log: list[str] = []
        injector = threading.Thread(target=faults.inject_faults, args=(base, args.seconds, fault_log, t0), daemon=True)
        injector.start()
        threads = [threading.Thread(target=u.run, args=(stop_at,)) for u in users]
        for n, thread in enumerate(threads):
            thread.start()
            time.sleep(0.1 if n < len(threads) - 1 else 0)
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - t0
        memory = faults.memory_line(base)
        time.sleep(5)  # late customer-service messages
        injector.join(timeout=1)
        report(users, api, urls["cases"], data_key, fault_log, elapsed, t0)
        print(memory)
    finally:
        interrupt(cluster)
        engine = sa.create_engine(args.pg)
        with engine.begin() as conn:
            for schema in schemas.values():
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
        api.shutdown()
    return 0


def _answered_twice(user: User, api: WeChatApi) -> int:
    """Messages of ``user`` answered twice: a customer-service message repeating the passive reply, or two equal
    customer-service messages, arriving before the user's next message (a long answer's further parts differ)."""
    with api.lock:
        customs = list(api.custom[user.openid])
    twice = 0
    for n, turn in enumerate(user.turns):
        end = user.turns[n + 1].at if n + 1 < len(user.turns) else float("inf")
        texts = [text for at, text in customs if turn.at <= at < end]
        if turn.passive_text:
            texts.append(turn.passive_text)
        twice += len(texts) != len(set(texts))
    return twice


def report(
    users: list[User], api: WeChatApi, cases_url: str, data_key: str, faults: list[str], elapsed: float, t0: float
) -> None:
    """Print the figures of a run."""
    turns = [t for u in users for t in u.turns]
    answered = [t.latency for t in turns if t.latency is not None]
    with api.lock:
        custom_total = sum(len(v) for v in api.custom.values())
    passive_total = sum(t.passive for t in turns)
    duplicates = sum(_answered_twice(u, api) for u in users)
    cipher = crypto.DataCipher.from_strings(data_key)
    engine = sa.create_engine(cases_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT p.id_number_hash, COUNT(r.id) FROM persons p JOIN job_seeking_registrations r"
                " ON r.person_id = p.id GROUP BY p.id_number_hash"
            )
        ).all()
    engine.dispose()
    stored = dict(rows)
    per_user = [stored.get(cipher.blind_index(u.id_number, context="persons.id_number"), 0) for u in users]
    print(f"集群基准：{len(users)} 个微信用户，{elapsed:.0f} s，{len(turns)} 条消息（2 个 Rasa 进程、2 个动作服务器）")
    for line in faults:
        print(f"  故障 {line}")
    if answered:
        p50, p95, p99 = (_percentile(answered, share) * 1000 for share in (0.5, 0.95, 0.99))
        print(f"  答复用时 p50 {p50:.0f} ms，p95 {p95:.0f} ms，p99 {p99:.0f} ms（首次发送到收到答复）")
    print(
        f"  被动回复 {passive_total} 条；5 秒内没有被动回复（微信会重发）{sum(t.deadline_missed for t in turns)} 条；"
        f"经客服消息接口送达 {custom_total} 条；没有收到答复 {sum(t.latency is None for t in turns)} 条；"
        f"答复了两次 {duplicates} 条"
    )
    lost = [t for t in turns if t.latency is None]
    if lost:
        statuses = sorted({t.status for t in lost})
        print(f"  没有答复的消息发出时间（秒，自开始）：{[round(t.at - t0) for t in lost][:20]}，HTTP 状态 {statuses}")
    print(
        f"  求职登记：用户确认登记成功 {sum(u.registered for u in users)} 人，库中每人恰好一条 {per_user.count(1)} 人，"
        f"没有记录 {per_user.count(0)} 人，重复 {sum(1 for n in per_user if n > 1)} 人"
    )


if __name__ == "__main__":
    sys.exit(main())

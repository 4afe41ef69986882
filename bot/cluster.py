"""A cluster on one machine (``make cluster``): several Rasa processes and action servers behind HAProxy.

The front doors stay where ``make run`` has them: Rasa's webhooks on ``RASA_PORT`` (5005) and the action server
on ``ACTIONS_PORT`` (5055) are HAProxy frontends now, and ``CLUSTER_RASA`` Rasa processes (ports
``CLUSTER_BASE_PORT`` + 1…, default 5101…) and ``CLUSTER_ACTIONS`` action servers (+ 101…, default 5201…) serve
behind them. What the processes share lives outside
them: conversations in PostgreSQL (``TRACKER_DB_URL``), the case database in PostgreSQL (``CASE_DB_URL``), the
conversation locks, WeChat's access token and message dedupe in Redis (``REDIS_URL``). HAProxy sends a WeChat
user to the same Rasa process while it is up (hash of ``openid``: fewer waits on the conversation lock), checks
every backend each second, retries a request whose connection failed on another backend, and takes a dead one
out. A process that exits is started again, as systemd or Kubernetes would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import settings as settings_mod

ROOT = Path(__file__).resolve().parents[1]


class ClusterError(Exception):
    """A reason the cluster cannot start, as one Chinese line."""


@dataclass(frozen=True)
class Plan:
    """Where everything listens."""

    host: str
    rasa_front: int
    actions_front: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]

    @classmethod
    def from_settings(cls, cfg: settings_mod.Settings) -> Plan:
        """The plan for ``CLUSTER_RASA`` × ``CLUSTER_ACTIONS`` processes behind the usual ports."""
        return cls(
            host=cfg.rasa_host,
            rasa_front=cfg.rasa_port,
            actions_front=cfg.actions_port,
            rasa_ports=tuple(cfg.cluster_base_port + n for n in range(1, cfg.cluster_rasa + 1)),
            action_ports=tuple(cfg.cluster_base_port + 100 + n for n in range(1, cfg.cluster_actions + 1)),
        )


def haproxy_config(plan: Plan) -> str:
    """HAProxy's configuration for ``plan``."""
    rasa = "\n".join(
        f"    server rasa{n} {plan.host}:{port} check inter 1s fall 2 rise 2"
        for n, port in enumerate(plan.rasa_ports, 1)
    )
    actions = "\n".join(
        f"    server actions{n} {plan.host}:{port} check inter 1s fall 2 rise 2"
        for n, port in enumerate(plan.action_ports, 1)
    )
    return f"""# Written by python -m bot cluster; changes are overwritten.
global
    maxconn 4000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 2s
    option redispatch
    retries 2

frontend rasa
    bind {plan.host}:{plan.rasa_front}
    default_backend rasa

backend rasa
    # A WeChat user (openid in the query string) stays on one process while it is up; REST round-robins.
    balance url_param openid
    hash-type consistent
    # A request whose process died before answering goes to another one: a WeChat message cannot be handled
    # twice (its MsgId is deduplicated in Redis); a REST message could, if the process died between saving the
    # conversation and answering.
    retry-on conn-failure empty-response junk-response
    option httpchk GET /
{rasa}

frontend actions
    bind {plan.host}:{plan.actions_front}
    default_backend actions

backend actions
    balance roundrobin
    # Actions are safe to repeat (unique keys and idempotency keys in the case store): an action server that
    # died while answering is retried on another.
    retry-on conn-failure empty-response response-timeout 502 503
    option httpchk GET /health
{actions}
"""


def check_shared_state(cfg: settings_mod.Settings) -> None:
    """Refuse a cluster whose processes would each keep their own state.

    Raises:
        ClusterError: no Redis, or a SQLite tracker store or case database.
    """
    if not cfg.redis_url:
        raise ClusterError(
            "错误：集群需要 Redis 共享会话锁和微信状态，请设置 REDIS_URL（例如 redis://127.0.0.1:6379/0）。"
        )
    for name, url in (("TRACKER_DB_URL", cfg.tracker_db_url), ("CASE_DB_URL", cfg.case_db_url)):
        if make_url(url).get_backend_name() == "sqlite":
            raise ClusterError(f"错误：集群中的多个进程需要共享数据库，请把 {name} 设为 PostgreSQL 地址。")


def ensure_schema(url: str) -> None:
    """Create the PostgreSQL schema named in ``url``'s ``search_path`` option, when it names one."""
    options = make_url(url).query.get("options", "")
    options = options if isinstance(options, str) else " ".join(options)
    if "search_path=" not in options:
        return
    schema = options.split("search_path=", 1)[1].split()[0].split(",")[0]
    if not schema.replace("_", "").isalnum():
        raise ClusterError(f"错误：search_path 中的模式名 {schema!r} 无效。")
    import sqlalchemy as sa

    base = make_url(url).difference_update_query(["options"])
    engine = sa.create_engine(base, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()


@dataclass
class Worker:
    """One process of the cluster, started again when it exits."""

    name: str
    command: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    log: Path | None = None

    def start(self) -> None:
        """Start (again)."""
        out = self.log.open("ab") if self.log else None
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        if out:
            out.close()

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    """The processes of :func:`run`: HAProxy first, then the workers."""

    plan: Plan
    workers: list[Worker] = field(default_factory=list)

    def supervise_once(self) -> list[str]:
        """Start again whatever exited; returns their names."""
        restarted = []
        for worker in self.workers:
            if not worker.alive():
                worker.restarts += 1
                worker.start()
                restarted.append(worker.name)
        return restarted

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 15 s)."""
        for worker in reversed(self.workers):
            if worker.alive():
                assert worker.proc is not None
                worker.proc.terminate()
        deadline = time.monotonic() + 15
        for worker in self.workers:
            if worker.proc is None:
                continue
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()


def build(cfg: settings_mod.Settings, env: dict[str, str], model: Path, folder: Path) -> Cluster:
    """The cluster's processes (not started): HAProxy, the action servers, the Rasa processes, console, ingest."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise ClusterError("错误：找不到 haproxy。请运行 make haproxy（Debian 软件包 haproxy）。")
    plan = Plan.from_settings(cfg)
    env["ACTIONS_URL"] = f"http://{plan.host}:{plan.actions_front}/webhook"  # through HAProxy
    env["SANIC_WORKERS"] = "1"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(plan), encoding="utf-8")
    cluster = Cluster(plan)
    cluster.workers.append(
        Worker("haproxy", [haproxy, "-W", "-db", "-f", str(config)], env, log=folder / "haproxy.log")
    )
    for n, port in enumerate(plan.action_ports, 1):
        worker_env = dict(env, ACTIONS_PORT=str(port))
        command = [sys.executable, "-m", "bot.action_server"]
        cluster.workers.append(Worker(f"actions{n}", command, worker_env, log=folder / f"actions{n}.log"))
    for n, port in enumerate(plan.rasa_ports, 1):
        command = [
            sys.executable, "-m", "bot.rasa_server", "--model", str(model), "--interface", plan.host,
            "--port", str(port), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
        ]  # fmt: skip
        cluster.workers.append(Worker(f"rasa{n}", command, dict(env), log=folder / f"rasa{n}.log"))
    cluster.workers.append(Worker("console", [sys.executable, "-m", "bot.staff"], env, log=folder / "console.log"))
    ingest = [sys.executable, "-m", "bot.analytics", "ingest", "--follow"]
    cluster.workers.append(Worker("ingest", ingest, env, log=folder / "ingest.log"))
    return cluster


def wait_until_serving(plan: Plan, timeout: float = 600, supervise: Callable[[], list[str]] | None = None) -> None:
    """Wait until HAProxy has every Rasa process and action server up (its health checks pass).

    ``supervise`` (:meth:`Cluster.supervise_once`) runs each second meanwhile: a process that exits while starting
    (say, its port was briefly taken) is started again instead of holding up the whole start until the timeout.
    """
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in supervise() if supervise is not None else []:
            print(f"{name} 启动时退出，已重新启动", flush=True)
        try:
            ok_rasa = all(requests.get(f"http://{plan.host}:{p}/", timeout=2).ok for p in plan.rasa_ports)
            ok_actions = all(requests.get(f"http://{plan.host}:{p}/health", timeout=2).ok for p in plan.action_ports)
            if ok_rasa and ok_actions and requests.get(f"http://{plan.host}:{plan.rasa_front}/", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise ClusterError(f"错误：集群在 {timeout:.0f} 秒内没有全部启动，请查看 var/cluster/ 下的日志。")


def run(env: dict[str, str], model: Path, prepare: Callable[[settings_mod.Settings], None] | None = None) -> int:
    """Start the cluster, print where it serves, start again what exits, stop everything on Ctrl-C."""
    cfg = settings_mod.load(env)
    check_shared_state(cfg)
    if make_url(cfg.tracker_db_url) == make_url(cfg.event_broker_url):
        raise ClusterError("错误：EVENT_BROKER_URL 不能与 TRACKER_DB_URL 相同（两者都用 events 表）。")
    for url in {cfg.tracker_db_url, cfg.case_db_url, cfg.event_broker_url}:
        if make_url(url).get_backend_name() == "postgresql":
            ensure_schema(url)
    if prepare is not None:
        prepare(cfg)  # e.g. migrate the case database
    cluster = build(cfg, env, model, Path(os.environ.get("CLUSTER_DIR", ROOT / "var" / "cluster")))
    try:
        for worker in cluster.workers:
            worker.start()
        wait_until_serving(cluster.plan, supervise=cluster.supervise_once)
        plan = cluster.plan
        print(
            f"集群已启动：HAProxy 把 http://{plan.host}:{plan.rasa_front} 分给 {len(plan.rasa_ports)} 个 Rasa 进程、"
            f"http://{plan.host}:{plan.actions_front} 分给 {len(plan.action_ports)} 个动作服务器；"
            f"日志在 var/cluster/。按 Ctrl-C 停止。",
            flush=True,
        )
        while True:
            for name in cluster.supervise_once():
                print(f"{name} 已退出，已重新启动", flush=True)
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n正在停止集群……", flush=True)
        return 0
    finally:
        cluster.stop()


def interrupt(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Stop ``proc`` as Ctrl-C would (the cluster then stops its processes); kill it after ``timeout`` seconds."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()

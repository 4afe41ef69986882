"""Command-line entry: ``python -m bot serve | cluster | shell | db | keys | purge | users``.

``serve`` starts the action server, the Rasa server and the staff console as child processes, stops them on
Ctrl-C, and refuses to start with one clear line when a port is taken or a setting is wrong.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot import crypto
from bot import settings as settings_mod

ROOT = settings_mod.PROJECT_ROOT
ENV_FILE = ROOT / ".env"
MODEL = ROOT / "models" / "assistant.tar.gz"
# Variables that credentials.yml / endpoints.yml expand: Rasa refuses a ${VAR} that is not set at all.
EXPANDED_VARS = (
    "WECHAT_TOKEN",
    "WECHAT_APPID",
    "WECHAT_APPSECRET",
    "WECHAT_ENCODING_AES_KEY",
    "WECHAT_API_BASE",
    "REDIS_URL",
)


ATOMIC_LOCK_STORE = "bot.durable.lock_store.AtomicRedisLockStore"


class CliError(Exception):
    """An error reported to the user as one line."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``KEY=VALUE`` file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _append_env_file(env_file: Path, lines: list[str]) -> None:
    """Append ``KEY=VALUE`` lines to ``env_file``, which is created (and kept) readable by its owner only."""
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in lines))
    env_file.chmod(0o600)


# Secrets generated into .env when not set: variable, how to make a value, what it is for (notice text).
GENERATED_SECRETS = (
    ("RASA_API_TOKEN", lambda: secrets.token_urlsafe(32), "Rasa HTTP API 需要带 ?token=…"),
    ("ACTIONS_TOKEN", lambda: secrets.token_urlsafe(32), "Rasa 调用动作服务器时出示的共享密钥"),
    ("CASE_DATA_KEY", crypto.generate_key, "案件库中身份证号、手机号、姓名的加密密钥，请备份，丢失后无法解密"),
    ("CONSOLE_DEMO_PASSWORD", lambda: secrets.token_urlsafe(12), "坐席工作台演示账号 agent / supervisor 的密码"),
)


def prepare_environment(env: dict[str, str], env_file: Path = ENV_FILE) -> list[str]:
    """Fill ``env`` from ``.env`` and defaults; generate the secrets of :data:`GENERATED_SECRETS` when absent.

    Returns notices to print. Values already in ``env`` win over ``.env``.
    """
    notices: list[str] = []
    for key, value in read_env_file(env_file).items():
        env.setdefault(key, value)
    generated: list[str] = []
    for key, make, purpose in GENERATED_SECRETS:
        if not env.get(key):
            env[key] = make()
            generated.append(f"{key}={env[key]}")
            notices.append(f"已生成 {key}，保存在 {env_file}（{purpose}）")
    if generated:
        _append_env_file(env_file, generated)
    elif env_file.exists() and env_file.stat().st_mode & 0o077:
        env_file.chmod(0o600)
    for key in EXPANDED_VARS:
        env.setdefault(key, "")
    env.setdefault("WECHAT_API_BASE", settings_mod.DEFAULT_WECHAT_API_BASE)
    if not env["WECHAT_API_BASE"]:
        env["WECHAT_API_BASE"] = settings_mod.DEFAULT_WECHAT_API_BASE
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return notices


def configure_stores(cfg: settings_mod.Settings, env: dict[str, str]) -> None:
    """Choose the lock store endpoints.yml names: Redis when ``REDIS_URL`` is set, memory for one process only.

    Raises:
        CliError: Several Sanic workers were asked for without Redis, where each would lock on its own.
    """
    if cfg.redis_url:
        env["LOCK_STORE_TYPE"] = ATOMIC_LOCK_STORE
        # A conversation's lock held by a process that died frees itself after this long (Rasa's default: 60 s,
        # a minute in which that user gets no answer). Longer than the slowest turn, which the timeouts bound.
        env["TICKET_LOCK_LIFETIME"] = str(cfg.lock_lifetime_seconds)
    elif cfg.sanic_workers > 1:
        raise CliError(
            f"错误：SANIC_WORKERS={cfg.sanic_workers} 需要多个进程共享会话锁，请设置 REDIS_URL（例如 redis://127.0.0.1:6379/0）。"
        )
    else:
        env["LOCK_STORE_TYPE"] = "in_memory"
    env["TRACKER_DB_URL"] = cfg.tracker_db_url


def check_port_free(host: str, port: int, what: str, variable: str) -> None:
    """Raise :class:`CliError` when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise CliError(
                f"错误：{what}端口 {host}:{port} 已被占用。请先停止占用它的程序，或用 {variable}=其他端口 再启动。"
            ) from None


def wait_for_port(host: str, port: int, proc: subprocess.Popen, timeout: float) -> None:
    """Wait until something listens on ``host:port`` or ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CliError(f"错误：进程在启动时退出（退出码 {proc.returncode}），请查看上面的日志。")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise CliError(f"错误：{host}:{port} 在 {timeout:.0f} 秒内没有开始服务。")


def _rasa_bin() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def start_actions(cfg: settings_mod.Settings, env: dict[str, str]) -> subprocess.Popen:
    """Start the closed action server (:mod:`bot.action_server`) on ``ACTIONS_HOST:ACTIONS_PORT``."""
    return subprocess.Popen([sys.executable, "-m", "bot.action_server"], cwd=ROOT, env=env)


def start_analytics(env: dict[str, str]) -> subprocess.Popen:
    """Start the process that moves conversation events from the event broker into the analytics tables."""
    return subprocess.Popen([sys.executable, "-m", "bot.analytics", "ingest", "--follow"], cwd=ROOT, env=env)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _handle_stop_signals() -> None:
    """Ctrl-C and SIGTERM stop both servers, even when SIGINT was ignored by a non-interactive parent shell."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()  # Sanic shuts down gracefully on SIGTERM
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _ready_to_serve(env: dict[str, str]) -> settings_mod.Settings:
    """The settings, once the stores are chosen, the model exists and the three front ports are free."""
    cfg = settings_mod.load(env)
    configure_stores(cfg, env)
    if not MODEL.exists():
        raise CliError(f"错误：找不到模型 {MODEL}，请先运行 make train。")
    check_port_free(cfg.actions_host, cfg.actions_port, "动作服务器", "ACTIONS_PORT")
    check_port_free(cfg.rasa_host, cfg.rasa_port, "Rasa ", "RASA_PORT")
    check_port_free(cfg.console_host, cfg.console_port, "坐席工作台", "CONSOLE_PORT")
    return cfg


def serve() -> int:
    """Run both servers until Ctrl-C (or SIGTERM)."""
    _handle_stop_signals()
    env = dict(os.environ)
    for notice in prepare_environment(env):
        print(notice)
    cfg = _ready_to_serve(env)
    env["ACTIONS_URL"] = f"http://{cfg.actions_host}:{cfg.actions_port}/webhook"
    procs: list[subprocess.Popen] = []
    try:
        procs.append(start_actions(cfg, env))
        wait_for_port(cfg.actions_host, cfg.actions_port, procs[0], timeout=120)
        # Rasa's command line with the pinned fixes of bot/rasa_runtime applied in its process first; the HTTP
        # API token reaches it through the environment, never through a command line `ps` shows.
        rasa_cmd = [
            sys.executable, "-m", "bot.rasa_server", "--model", str(MODEL),
            "--interface", cfg.rasa_host, "--port", str(cfg.rasa_port),
            "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
        ]  # fmt: skip
        procs.append(subprocess.Popen(rasa_cmd, cwd=ROOT, env=env))
        procs.append(subprocess.Popen([sys.executable, "-m", "bot.staff"], cwd=ROOT, env=env))
        wait_for_port(cfg.rasa_host, cfg.rasa_port, procs[1], timeout=600)
        wait_for_port(cfg.console_host, cfg.console_port, procs[2], timeout=120)
        procs.append(start_analytics(env))
        print(
            f"就业帮扶助手已启动：Rasa http://{cfg.rasa_host}:{cfg.rasa_port}/webhooks/rest/webhook ，"
            f"动作服务器 http://{cfg.actions_host}:{cfg.actions_port}/health ，"
            f"坐席工作台 http://{cfg.console_host}:{cfg.console_port}/ "
            f"（演示账号 agent / supervisor，密码 {cfg.console_demo_password}）。按 Ctrl-C 停止。",
            flush=True,
        )
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        print("\n正在停止……", flush=True)
        return 0
    finally:
        _stop(procs)


def cluster() -> int:
    """``make cluster``: several Rasa processes and action servers behind HAProxy (:mod:`bot.cluster`)."""
    from bot import cluster as cluster_mod
    from bot.cases import admin
    from bot.staff.demo import ensure_demo_accounts

    _handle_stop_signals()
    env = dict(os.environ)
    for notice in prepare_environment(env):
        print(notice)
    _ready_to_serve(env)

    def prepare(ready: settings_mod.Settings) -> None:
        for line in admin.migrate_and_seed(ready.case_db_url, cipher=crypto.from_settings(ready)):
            print(line)
        for line in ensure_demo_accounts(ready):
            print(line)

    try:
        return cluster_mod.run(env, MODEL, prepare)
    except cluster_mod.ClusterError as exc:
        raise CliError(str(exc)) from None


def shell() -> int:
    """Chat in the terminal (``rasa shell``) with the action server running."""
    signal.signal(signal.SIGTERM, _interrupt)
    env = dict(os.environ)
    prepare_environment(env)
    cfg = settings_mod.load(env)
    configure_stores(cfg, env)
    check_port_free(cfg.actions_host, cfg.actions_port, "动作服务器", "ACTIONS_PORT")
    env["ACTIONS_URL"] = f"http://{cfg.actions_host}:{cfg.actions_port}/webhook"
    actions = start_actions(cfg, env)
    try:
        wait_for_port(cfg.actions_host, cfg.actions_port, actions, timeout=120)
        cmd = [_rasa_bin(), "shell", "--model", str(MODEL), "--endpoints", "endpoints.yml"]
        return subprocess.call(cmd, cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop([actions])


def db() -> int:
    """Migrate the case database to the newest schema and seed demo data into an empty one."""
    from bot.cases import admin
    from bot.staff.demo import ensure_demo_accounts

    env = dict(os.environ)
    for notice in prepare_environment(env):
        print(notice)
    cfg = settings_mod.load(env)
    for line in admin.migrate_and_seed(cfg.case_db_url, cipher=crypto.from_settings(cfg)):
        print(line)
    for line in ensure_demo_accounts(cfg):
        print(line)
    return 0


def purge() -> int:
    """Remove or anonymise case data, audit rows and conversations past their retention periods."""
    from bot.cases.retention import RetentionPeriods
    from bot.cases.retention import purge as run_purge

    env = dict(os.environ)
    for key, value in read_env_file(ENV_FILE).items():
        env.setdefault(key, value)
    cfg = settings_mod.load(env)
    periods = RetentionPeriods(cfg.retention_case_days, cfg.retention_audit_days, cfg.retention_conversation_days)
    tracker = cfg.tracker_db_url
    tracker_path = tracker.removeprefix("sqlite:///") if tracker.startswith("sqlite:///") else None
    if tracker_path and not Path(tracker_path).exists():
        tracker = ""
    counts = run_purge(cfg.case_db_url, periods, tracker_db_url=tracker or None, cipher=crypto.from_settings(cfg))
    print(
        f"保留期清理完成：匿名化 {counts['persons_anonymised']} 人，删除审计记录 {counts['audit_log']} 条、"
        f"身份核对记录 {counts['identity_attempts']} 条、过期计数 {counts['identity_limits']} 个，"
        f"清理转人工请求 {counts['handoffs_cleared']} 个、会话 {counts.get('conversations', 0)} 个"
        f"（期限：案件 {periods.case_days} 天、审计 {periods.audit_days} 天、会话 {periods.conversation_days} 天）"
    )
    return 0


def keys(rest: list[str] | None = None) -> int:
    """``python -m bot keys``: print a new data key for ``CASE_DATA_KEY``.

    ``python -m bot keys rotate``: after ``CASE_DATA_KEY`` was replaced (the old key moved to
    ``CASE_DATA_KEYS_PREVIOUS``), re-encrypt the case database's personal data with the new key.
    """
    if not rest:
        print(crypto.generate_key())
        return 0
    if rest != ["rotate"]:
        raise CliError("用法：python -m bot keys [rotate]")
    from bot.cases import admin

    env = dict(os.environ)
    for key, value in read_env_file(ENV_FILE).items():
        env.setdefault(key, value)
    cfg = settings_mod.load(env)
    changed = admin.rotate_keys(cfg.case_db_url, crypto.from_settings(cfg))
    print(
        f"已用当前密钥重新加密 {changed} 个个人信息字段；确认无误后可从 CASE_DATA_KEYS_PREVIOUS 删除旧密钥"
        f"（身份核对计数至少再保留 {cfg.identity_lock_minutes} 分钟）"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; every expected failure becomes one line on stderr."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="就业帮扶助手")
    parser.add_argument("command", choices=["serve", "cluster", "shell", "db", "keys", "purge", "users"])
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.command == "users":
            from bot.staff.users_cli import main as users_main

            return users_main(args.rest)
        if args.command == "keys":
            return keys(args.rest)
        return {"serve": serve, "cluster": cluster, "shell": shell, "db": db, "purge": purge}[args.command]()
    except (CliError, settings_mod.SettingsError, crypto.CryptoError) as exc:
        print(str(exc), file=sys.stderr)
        return 2

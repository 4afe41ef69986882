"""The command-line entry: one clear line for the usual mistakes, a token when none is set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

ROOT = Path(__file__).resolve().parents[2]


def test_missing_python_310_gives_one_clear_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")}
    result = subprocess.run([str(ROOT / "scripts" / "find-python")], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "找不到 Python 3.10" in lines[0] and "python3.10" in lines[0] and "PYTHON" in lines[0]


def test_explicit_python_that_is_not_310_is_refused(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON": "/bin/true"}
    result = subprocess.run([str(ROOT / "scripts" / "find-python")], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "PYTHON=/bin/true 不是可用的 Python 3.10" in result.stderr


def test_explicit_python_310_wins(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON": sys.executable}
    result = subprocess.run([str(ROOT / "scripts" / "find-python")], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == sys.executable


def test_port_in_use_gives_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, ACTIONS_PORT=str(port), RASA_API_TOKEN="t", CONSOLE_DEMO_PASSWORD="console-test-pw")
        serve = [sys.executable, "-m", "bot", "serve"]
        result = subprocess.run(serve, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"错误：动作服务器端口 127.0.0.1:{port} 已被占用。请先停止占用它的程序，或用 ACTIONS_PORT=其他端口 再启动。"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_port_setting_gives_one_clear_line() -> None:
    env = dict(os.environ, RASA_PORT="http", RASA_API_TOKEN="t", CONSOLE_DEMO_PASSWORD="console-test-pw")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "RASA_PORT='http' 不是有效的端口号（1–65535）"


def test_token_is_generated_once_into_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    first: dict[str, str] = {}
    notices = cli.prepare_environment(first, env_file)
    token = first["RASA_API_TOKEN"]
    assert len(token) >= 32 and notices and str(env_file) in notices[0]
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    second: dict[str, str] = {}
    assert cli.prepare_environment(second, env_file) == []
    assert second["RASA_API_TOKEN"] == token
    assert second["WECHAT_TOKEN"] == "" and second["WECHAT_API_BASE"] == "https://api.weixin.qq.com"


def test_secrets_are_generated_into_a_private_env_file(tmp_path: Path) -> None:
    from bot import crypto

    env_file = tmp_path / ".env"
    env: dict[str, str] = {}
    notices = cli.prepare_environment(env, env_file)
    assert {"RASA_API_TOKEN", "ACTIONS_TOKEN", "CASE_DATA_KEY", "CONSOLE_DEMO_PASSWORD"} <= set(
        cli.read_env_file(env_file)
    )
    assert len(notices) == 4 and all(str(env_file) in notice for notice in notices)
    assert env["ACTIONS_TOKEN"] != env["RASA_API_TOKEN"]
    assert crypto.DataCipher.from_strings(env["CASE_DATA_KEY"]).current_kid
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_existing_world_readable_env_file_is_made_private(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "RASA_API_TOKEN=a\nACTIONS_TOKEN=b\nCASE_DATA_KEY=k1:x\nCONSOLE_DEMO_PASSWORD=demo-pass-1\n", encoding="utf-8"
    )
    env_file.chmod(0o644)
    assert cli.prepare_environment({}, env_file) == []
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_API_TOKEN=from-file\nWECHAT_TOKEN=abc\n", encoding="utf-8")
    env = {"RASA_API_TOKEN": "from-env"}
    cli.prepare_environment(env, env_file)
    assert env["RASA_API_TOKEN"] == "from-env" and env["WECHAT_TOKEN"] == "abc"


@pytest.mark.parametrize("value", ["2021-13-01", "tomorrow", "2021/09/01"])
def test_bad_assistant_today_is_refused(value: str) -> None:
    from bot.settings import SettingsError, load

    with pytest.raises(SettingsError, match="ASSISTANT_TODAY"):
        load({"ASSISTANT_TODAY": value})


def test_assistant_today_overrides_today() -> None:
    from bot.settings import load

    assert str(load({"ASSISTANT_TODAY": "2021-09-01"}).today()) == "2021-09-01"


def test_sigterm_stops_both_servers_even_with_sigint_ignored(trained_model, tmp_path: Path) -> None:
    """A service manager (or a non-interactive shell, which ignores SIGINT in background jobs) stops it."""
    import signal
    import time

    import requests

    ports = []
    for _ in range(3):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    env = dict(
        os.environ, RASA_PORT=str(ports[0]), ACTIONS_PORT=str(ports[1]), RASA_API_TOKEN="t",
        CONSOLE_PORT=str(ports[2]), CONSOLE_DEMO_PASSWORD="console-test-pw",
        CASE_DB_URL=f"sqlite:///{tmp_path / 'cases.db'}",
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{ports[0]}/status", params={"token": "t"}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))  # raises if a server outlived its parent


def test_lock_store_is_redis_when_redis_url_is_set_and_memory_only_for_one_process() -> None:
    from bot import settings as settings_mod

    env: dict[str, str] = {}
    cli.configure_stores(settings_mod.load({"REDIS_URL": "redis://127.0.0.1:6379/0", "SANIC_WORKERS": "2"}), env)
    assert env["LOCK_STORE_TYPE"] == "bot.durable.lock_store.AtomicRedisLockStore"
    # A dead process's conversation lock frees itself after 20 s, not Rasa's minute: Rasa reads the variable.
    import subprocess
    import sys

    read = "from rasa.core.lock_store import LOCK_LIFETIME; print(LOCK_LIFETIME)"
    rasa_sees = subprocess.run([sys.executable, "-c", read], env={**os.environ, **env}, capture_output=True, text=True)
    assert env["TICKET_LOCK_LIFETIME"] == "20" and rasa_sees.stdout.strip() == "20"
    env = {}
    cli.configure_stores(settings_mod.load({}), env)
    assert env["LOCK_STORE_TYPE"] == "in_memory"
    with pytest.raises(cli.CliError, match="REDIS_URL"):
        cli.configure_stores(settings_mod.load({"SANIC_WORKERS": "2"}), {})


def test_several_workers_without_redis_are_refused_with_one_line() -> None:
    env = dict(os.environ, SANIC_WORKERS="2", REDIS_URL="", RASA_API_TOKEN="t")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "错误：SANIC_WORKERS=2 需要多个进程共享会话锁，请设置 REDIS_URL（例如 redis://127.0.0.1:6379/0）。"
    ]

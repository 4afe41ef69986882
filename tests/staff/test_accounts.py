"""Accounts: scrypt hashes, lockout after repeated failures, idle timeout, disabling, the users command."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import requests
from sqlalchemy import select

from bot.cases.admin import migrate
from bot.cases.models import StaffAccount
from bot.cases.sql_store import build_engine
from bot.staff.accounts import MAX_FAILED_LOGINS, AccountError, Accounts
from bot.staff.passwords import WeakPassword, hash_password, verify_password

from .conftest import ROOT, Console, login


@pytest.fixture
def accounts(tmp_path) -> Accounts:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)
    engine = build_engine(url)
    yield Accounts(engine, idle_minutes=30)
    engine.dispose()


def test_passwords_are_stored_as_salted_scrypt_hashes(accounts: Accounts) -> None:
    accounts.add("zhang", "correct-horse-9", "agent", "张坐席")
    with accounts._unit() as session:
        stored = session.execute(select(StaffAccount.password_hash)).scalar_one()
    assert stored.startswith("scrypt$") and "correct-horse-9" not in stored
    assert verify_password("correct-horse-9", stored) and not verify_password("correct-horse-8", stored)
    assert hash_password("same-password-1") != hash_password("same-password-1")


def test_bad_accounts_are_refused_with_a_clear_message(accounts: Accounts) -> None:
    with pytest.raises(WeakPassword, match="至少"):
        accounts.add("li", "short", "agent")
    with pytest.raises(AccountError, match="角色"):
        accounts.add("li", "long-enough-pw", "admin")
    with pytest.raises(AccountError, match="用户名"):
        accounts.add("李", "long-enough-pw", "agent")
    accounts.add("li", "long-enough-pw", "agent")
    with pytest.raises(AccountError, match="已存在"):
        accounts.add("li", "another-long-pw", "supervisor")


def test_lockout_after_repeated_failures_even_for_the_right_password(accounts: Accounts) -> None:
    accounts.add("wang", "right-password-1", "agent")
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert accounts.login("wang", "wrong-password", now).message == "用户名或密码不正确"
    assert "锁定" in accounts.login("wang", "wrong-password", now).message
    locked = accounts.login("wang", "right-password-1", now + dt.timedelta(minutes=5))
    assert locked.token is None and "锁定" in locked.message
    assert accounts.login("wang", "right-password-1", now + dt.timedelta(minutes=16)).token


def test_unknown_user_and_wrong_password_look_the_same(accounts: Accounts) -> None:
    accounts.add("zhao", "right-password-1", "agent")
    assert accounts.login("nobody", "x-password").message == accounts.login("zhao", "x-password").message


def test_idle_sessions_expire_and_activity_keeps_them(accounts: Accounts) -> None:
    accounts.add("sun", "right-password-1", "supervisor")
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)
    token = accounts.login("sun", "right-password-1", start).token
    assert accounts.session(token, start + dt.timedelta(minutes=25)).account.role == "supervisor"
    assert accounts.session(token, start + dt.timedelta(minutes=50)) is not None  # 25 min after the last request
    assert accounts.session(token, start + dt.timedelta(minutes=81)) is None
    assert accounts.session(token, start + dt.timedelta(minutes=82)) is None  # deleted, not revived


def test_disabling_or_new_password_ends_sessions(accounts: Accounts) -> None:
    accounts.add("zhou", "right-password-1", "agent")
    token = accounts.login("zhou", "right-password-1").token
    accounts.set_password("zhou", "newer-password-2")
    assert accounts.session(token) is None
    token = accounts.login("zhou", "newer-password-2").token
    accounts.disable("zhou")
    assert accounts.session(token) is None
    assert "停用" in accounts.login("zhou", "newer-password-2").message


def test_users_command_adds_disables_and_resets(console: Console) -> None:
    def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "users", *args], cwd=ROOT, env=console.env, input=stdin,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    added = users("add", "qian", "--role", "agent", "--name", "钱坐席", "--password-stdin", stdin="first-Pass-99\n")
    assert added.returncode == 0 and "已新建账号 qian（坐席）" in added.stdout
    assert login(requests.Session(), console.url, "qian", "first-Pass-99").status_code == 303
    weak = users("passwd", "qian", "--password-stdin", stdin="abc\n")
    assert weak.returncode == 2 and "密码至少" in weak.stderr
    assert users("passwd", "qian", "--password-stdin", stdin="second-Pass-99\n").returncode == 0
    assert login(requests.Session(), console.url, "qian", "first-Pass-99").status_code == 401
    assert login(requests.Session(), console.url, "qian", "second-Pass-99").status_code == 303
    assert users("disable", "qian").returncode == 0
    refused = login(requests.Session(), console.url, "qian", "second-Pass-99")
    assert refused.status_code == 401 and "停用" in refused.text
    listed = users("list").stdout
    assert "agent\t坐席" in listed and "supervisor\t主管" in listed and "（已停用）" in listed
    missing = users("disable", "nobody")
    assert missing.returncode == 2 and "没有用户名为 nobody" in missing.stderr


def test_demo_accounts_sign_in_with_the_demo_password(console: Console) -> None:
    for username in ("agent", "supervisor"):
        assert login(requests.Session(), console.url, username, console.password).status_code == 303
    page = login(requests.Session(), console.url, "agent", "not-the-password")
    assert page.status_code == 401 and "用户名或密码不正确" in page.text


def test_login_form_without_its_token_is_refused(console: Console) -> None:
    response = requests.post(
        f"{console.url}/login", data={"username": "agent", "password": console.password}, allow_redirects=False
    )
    assert response.status_code == 403 and "staff_session" not in response.cookies

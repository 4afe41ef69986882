"""Console accounts and sessions in the case database.

Blocking (SQL); the web app calls these through ``asyncio.to_thread``. One session per unit of work.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.models import StaffAccount, StaffSession, utcnow
from bot.clock import as_utc
from bot.staff.passwords import check_strength, dummy_verify, hash_password, verify_password

ROLES = {"agent": "坐席", "supervisor": "主管"}
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
DEMO_ACCOUNTS = (("agent", "演示坐席", "agent"), ("supervisor", "演示主管", "supervisor"))


class AccountError(ValueError):
    """An account operation that cannot be done; the message is one Chinese line."""


@dataclass(frozen=True)
class Account:
    """A console user as the pages see it."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool

    @property
    def role_label(self) -> str:
        """坐席 or 主管."""
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a sign-in attempt: a new session token, or a Chinese reason."""

    token: str | None = None
    message: str = ""


@dataclass(frozen=True)
class SignedIn:
    """The account behind a valid session, and the session's CSRF token."""

    account: Account
    csrf_token: str


def _account(row: StaffAccount) -> Account:
    return Account(row.id, row.username, row.display_name, row.role, bool(row.active))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _check_username(username: str) -> str:
    username = username.strip()
    if not (2 <= len(username) <= 32) or not all(c.isascii() and (c.isalnum() or c in "._-") for c in username):
        raise AccountError("用户名应为 2–32 位字母、数字或 . _ -")
    return username


class Accounts:
    """Accounts, sign-in with lockout, and sessions with an idle timeout."""

    def __init__(self, engine: Engine, idle_minutes: int = 30) -> None:
        """Use ``engine`` (the case database); sessions end after ``idle_minutes`` without a request."""
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self.idle = dt.timedelta(minutes=idle_minutes)

    def _unit(self) -> Session:
        return self._sessions()

    # --- administration -------------------------------------------------------------------------------

    def add(self, username: str, password: str, role: str, display_name: str | None = None) -> Account:
        """Create an account; raises :class:`AccountError` for a taken name, bad role or weak password."""
        username = _check_username(username)
        if role not in ROLES:
            raise AccountError(f"角色只能是 {'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
        check_strength(password)
        with self._unit() as session, session.begin():
            if session.execute(select(StaffAccount.id).filter_by(username=username)).first():
                raise AccountError(f"用户名 {username} 已存在")
            row = StaffAccount(
                username=username,
                display_name=(display_name or username).strip()[:40] or username,
                role=role,
                password_hash=hash_password(password),
                active=True,
                failed_logins=0,
            )
            session.add(row)
            session.flush()
            return _account(row)

    def _get(self, session: Session, username: str) -> StaffAccount:
        row = session.execute(select(StaffAccount).filter_by(username=username.strip())).scalar_one_or_none()
        if row is None:
            raise AccountError(f"没有用户名为 {username} 的账号")
        return row

    def set_password(self, username: str, password: str) -> None:
        """Change the password, unlock the account and end its sessions."""
        check_strength(password)
        with self._unit() as session, session.begin():
            row = self._get(session, username)
            row.password_hash = hash_password(password)
            row.failed_logins, row.locked_until = 0, None
            session.execute(delete(StaffSession).where(StaffSession.account_id == row.id))

    def disable(self, username: str) -> None:
        """Disable the account and end its sessions."""
        with self._unit() as session, session.begin():
            row = self._get(session, username)
            row.active = False
            session.execute(delete(StaffSession).where(StaffSession.account_id == row.id))

    def list(self) -> list[Account]:
        """All accounts, by user name."""
        with self._unit() as session:
            rows = session.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars()
            return [_account(r) for r in rows]

    def ensure_demo_accounts(self, password: str) -> builtins.list[str]:
        """Create the demo accounts ``agent`` and ``supervisor`` when missing; returns the names created."""
        existing = {a.username for a in self.list()}
        created = []
        for username, display, role in DEMO_ACCOUNTS:
            if username not in existing:
                self.add(username, password, role, display)
                created.append(username)
        return created

    # --- sign-in and sessions -------------------------------------------------------------------------

    def login(self, username: str, password: str, now: dt.datetime | None = None) -> LoginResult:
        """Check the password; after :data:`MAX_FAILED_LOGINS` failures the account is locked for a while.

        The message for an unknown user and a wrong password is the same.
        """
        now = now or utcnow()
        wrong = LoginResult(message="用户名或密码不正确")
        with self._unit() as session, session.begin():
            row = session.execute(select(StaffAccount).filter_by(username=username.strip())).scalar_one_or_none()
            if row is None:
                dummy_verify(password)
                return wrong
            locked_until = as_utc(row.locked_until)
            if locked_until and locked_until > now:
                minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
                return LoginResult(message=f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试或联系主管重置密码")
            if not verify_password(password, row.password_hash):
                row.failed_logins = (row.failed_logins or 0) + 1
                if row.failed_logins >= MAX_FAILED_LOGINS:
                    row.locked_until, row.failed_logins = now + LOCKOUT, 0
                    minutes = int(LOCKOUT.total_seconds() // 60)
                    return LoginResult(message=f"密码连续错误 {MAX_FAILED_LOGINS} 次，账号已锁定 {minutes} 分钟")
                return wrong
            if not row.active:
                return LoginResult(message="该账号已停用，请联系主管")
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
            token = secrets.token_urlsafe(32)
            session.add(
                StaffSession(
                    token_hash=_token_hash(token),
                    account_id=row.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            return LoginResult(token=token)

    def session(self, token: str, now: dt.datetime | None = None) -> SignedIn | None:
        """The signed-in account for a cookie token, refreshing its idle timer; ``None`` when expired or unknown."""
        if not token:
            return None
        now = now or utcnow()
        with self._unit() as session, session.begin():
            row = session.execute(select(StaffSession).filter_by(token_hash=_token_hash(token))).scalar_one_or_none()
            if row is None:
                return None
            if as_utc(row.last_seen_at) + self.idle < now:
                session.delete(row)
                return None
            account = session.get(StaffAccount, row.account_id)
            if account is None or not account.active:
                session.delete(row)
                return None
            row.last_seen_at = now
            return SignedIn(_account(account), row.csrf_token)

    def logout(self, token: str) -> None:
        """End the session of this token."""
        with self._unit() as session, session.begin():
            session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))

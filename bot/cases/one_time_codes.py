"""One-time codes sent to the phone on record, as the identity proof of the chat when an SMS gateway is set.

A code has six random digits, is valid for ``SMS_CODE_MINUTES`` in the conversation it was asked for, and is used
at most once; asking again replaces it. The database keeps keyed hashes only (of the ID number, and of the code
bound to the ID number and the conversation). A new code is refused within a minute of the last one for the same
person, and after five in an hour, so the gateway cannot be used to flood someone's phone. Wrong codes are counted
by :class:`bot.cases.identity_guard.IdentityGuard` like wrong phones.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import crypto
from bot.cases.errors import CaseStoreError
from bot.cases.identity_guard import GuardedCaseStore
from bot.cases.models import IdentityCode
from bot.cases.records import AccessContext, PersonRecord
from bot.clock import as_utc, utcnow
from bot.crypto import DataCipher
from bot.settings import Settings

CODE_DIGITS = 6
RESEND_AFTER = dt.timedelta(minutes=1)
MAX_PER_HOUR = 5


class CodeNotSent(CaseStoreError):
    """No new code now (one was sent moments ago, or too many this hour)."""

    default_message = "验证码刚刚发过，请稍等一分钟再要；如果一直收不到，请拨打 12333 由人工核对。"


class OneTimeCodes:
    """Issue and check one-time codes in the case database."""

    def __init__(
        self,
        engine: Engine,
        cipher: DataCipher,
        *,
        valid: dt.timedelta = dt.timedelta(minutes=5),
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        """Args: engine: the case database; cipher: keys the hashes; valid: lifetime of a code; now: the clock."""
        self._sessions = sessionmaker(engine, future=True)
        self._cipher = cipher
        self.valid = valid
        self._now = now

    def _subjects(self, id_number: str) -> list[str]:
        return self._cipher.blind_indexes(id_number, context="identity_codes.subject")

    def _code_hashes(self, id_number: str, conversation_id: str, code: str) -> list[str]:
        return self._cipher.blind_indexes(f"{id_number}\x00{conversation_id}\x00{code}", context="identity_codes.code")

    def issue(self, id_number: str, conversation_id: str) -> str:
        """A new code for ``id_number`` in ``conversation_id`` (earlier unused ones of the conversation end).

        Raises:
            CodeNotSent: a code was issued for this person less than a minute ago, or five in the last hour.
        """
        now = self._now()
        subjects = self._subjects(id_number)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        with self._sessions.begin() as session:
            recent = session.execute(
                select(func.count(), func.max(IdentityCode.issued_at)).where(
                    IdentityCode.subject_hash.in_(subjects), IdentityCode.issued_at > now - dt.timedelta(hours=1)
                )
            ).one()
            if recent[0] >= MAX_PER_HOUR or (recent[1] is not None and as_utc(recent[1]) > now - RESEND_AFTER):
                raise CodeNotSent()
            self._end(session, subjects, conversation_id, now)
            session.add(
                IdentityCode(
                    subject_hash=subjects[0],
                    conversation_id=conversation_id[:128],
                    code_hash=self._code_hashes(id_number, conversation_id, code)[0],
                    issued_at=now,
                    expires_at=now + self.valid,
                )
            )
        return code

    def pending(self, id_number: str, conversation_id: str) -> bool:
        """Whether the conversation has an open, unexpired code for ``id_number``."""
        now = self._now()
        with self._sessions.begin() as session:
            found = session.execute(
                select(IdentityCode.id)
                .where(
                    IdentityCode.subject_hash.in_(self._subjects(id_number)),
                    IdentityCode.conversation_id == conversation_id[:128],
                    IdentityCode.used_at.is_(None),
                    IdentityCode.expires_at > now,
                )
                .limit(1)
            ).first()
        return found is not None

    def withdraw(self, id_number: str, conversation_id: str) -> None:
        """End the conversation's open code for ``id_number`` (e.g. it could not be sent)."""
        with self._sessions.begin() as session:
            self._end(session, self._subjects(id_number), conversation_id, self._now())

    @staticmethod
    def _end(session: Session, subjects: list[str], conversation_id: str, now: dt.datetime) -> None:
        session.execute(
            update(IdentityCode)
            .where(
                IdentityCode.subject_hash.in_(subjects),
                IdentityCode.conversation_id == conversation_id[:128],
                IdentityCode.used_at.is_(None),
            )
            .values(used_at=now)
        )

    def check(self, id_number: str, conversation_id: str, code: str) -> bool:
        """Whether ``code`` is the open, unexpired code of ``id_number`` in ``conversation_id``; a match uses it."""
        now = self._now()
        given = self._code_hashes(id_number, conversation_id, code.strip())
        with self._sessions.begin() as session:
            rows = session.execute(
                select(IdentityCode).where(
                    IdentityCode.subject_hash.in_(self._subjects(id_number)),
                    IdentityCode.conversation_id == conversation_id[:128],
                    IdentityCode.used_at.is_(None),
                    IdentityCode.expires_at > now,
                )
            ).scalars()
            for row in rows:
                if any(hmac.compare_digest(row.code_hash, digest) for digest in given):
                    row.used_at = now
                    return True
        return False


class SmsVerification:
    """The chat's identity proof by SMS: a code to the phone on record, checked under the guard's limits."""

    def __init__(self, store: GuardedCaseStore, codes: OneTimeCodes, send: Callable[[str, str], None]) -> None:
        """Args: store: the guarded case store; codes: where codes live; send: ``(phone, text)`` → sent."""
        self.store = store
        self.codes = codes
        self._send = send

    @classmethod
    def from_settings(cls, settings: Settings, store: GuardedCaseStore) -> SmsVerification | None:
        """The verification the settings ask for; ``None`` without ``SMS_API_URL`` (last-four mode)."""
        from bot.sms import SmsGateway

        gateway = SmsGateway.from_settings(settings)
        if gateway is None:
            return None
        valid = dt.timedelta(minutes=settings.sms_code_minutes)
        codes = OneTimeCodes(store.guard.engine, crypto.from_settings(settings), valid=valid)
        return cls(store, codes, gateway.send)

    @property
    def minutes(self) -> int:
        """How long a code stays valid."""
        return int(self.codes.valid.total_seconds() // 60)

    def send_code(self, id_number: str, *, access: AccessContext) -> None:
        """Send a code to the phone on record of ``id_number``, if there is one (the caller is not told which).

        Raises:
            CodeNotSent: too soon after the last code, or too many this hour.
            bot.sms.SmsUnavailable: the gateway did not take the message.
        """
        if self.store.guard.attempts_left("person", id_number) <= 0:
            raise CodeNotSent("身份核对失败次数过多，已暂停核对，请稍后再试；如需帮助请拨打 12333 热线。")
        person = self.store.inner.find_person(id_number, access=access)
        code = self.codes.issue(id_number, access.conversation_id)  # issued even for an unknown ID: same timing
        if person is None:
            return
        try:
            self._send(person.phone, f"【就业帮扶助手】您的验证码是 {code}，{self.minutes} 分钟内有效，请勿告诉他人。")
        except Exception:
            self.codes.withdraw(id_number, access.conversation_id)
            raise

    def verify_code(self, id_number: str, code: str, *, access: AccessContext) -> PersonRecord | None:
        """The person, when ``code`` is their open code in this conversation; one attempt under the guard."""
        with self.store.guard.attempt("person", id_number, access, "sms_code") as outcome:
            ok = self.codes.check(id_number, access.conversation_id, code)
            person = self.store.inner.find_person(id_number, access=access) if ok else None
            outcome.append(person is not None)
        return person

"""Server-side limits on proving an identity, shared by every path that matches a person or an organisation.

:class:`IdentityGuard` keeps counters in the case database (tables ``identity_limits`` and
``identity_attempts``), keyed by a keyed hash of the ID number or credit code and of the channel user, so a
new conversation, a new sender id, ``/restart``, a session expiry or a restart of the servers resets nothing.

An attempt is *reserved* before the record is compared (the counter goes up first, atomically), so parallel
guesses cannot slip past the limit; a success gives the reservation back. When the subject has used up its
attempts, it is locked until the lock period ends: nothing about it is compared or shown, on any channel.

:class:`GuardedCaseStore` wraps any :class:`~bot.cases.store.CaseStore` (SQL or HTTP) with the guard;
:func:`bot.cases.store.make_store` always returns one. It also refuses to show a person's record to the
assistant unless that conversation proved the identity recently (a record in ``identity_attempts``): a slot
value in a tracker is never proof.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.errors import CaseSystemUnavailable, IdentityLocked, IdentityMismatch, IdentityNotProven
from bot.cases.models import IdentityAttempt, IdentityLimit, utcnow
from bot.cases.records import AccessContext, EmployerRecord, HrAgencyRecord, PersonDetails, PersonRecord
from bot.cases.sql_store import SqlCaseStore
from bot.cases.store import CaseStore
from bot.crypto import DataCipher

log = logging.getLogger(__name__)
T = TypeVar("T")

BEIJING = dt.timezone(dt.timedelta(hours=8))
ASSISTANT_ACTOR = "assistant"


@dataclass(frozen=True)
class Limits:
    """How many attempts, for how long a lock lasts and how long a successful proof is honoured."""

    max_failures: int = 3
    sender_max_failures: int = 5
    lock: dt.timedelta = dt.timedelta(minutes=30)
    proof_valid: dt.timedelta = dt.timedelta(minutes=30)


@dataclass
class _Reservation:
    scope: str
    subject_hash: str
    sender_hash: str | None
    access: AccessContext
    method: str
    subject_hashes: list[str]
    sender_hashes: list[str]


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _when(moment: dt.datetime) -> str:
    local = _aware(moment).astimezone(BEIJING)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


class IdentityGuard:
    """Attempt counters and proofs of identity in the case database."""

    def __init__(
        self,
        engine: Engine,
        cipher: DataCipher,
        *,
        limits: Limits | None = None,
        hotline: str = "12333 热线",
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        """Args:
        engine: the case database (its migrations create the guard's tables).
        cipher: keyed hashes of ID numbers, credit codes and senders.
        limits: attempt limits and periods.
        hotline: how to name the hotline in messages.
        now: the clock.
        """
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self._cipher = cipher
        self.limits = limits or Limits()
        self._hotline = hotline
        self._now = now

    # --- keys ---------------------------------------------------------------------------------------------

    def subject_hash(self, scope: str, value: str) -> str:
        """Keyed hash of a normalised ID number (``person``) or credit code (``organisation``)."""
        return self._cipher.blind_index(value.strip().upper(), context=f"identity.{scope}")

    def sender_hash(self, access: AccessContext) -> str:
        """Keyed hash of the channel user (channel + conversation id)."""
        return self._cipher.blind_index(f"{access.channel}\x00{access.conversation_id}", context="identity.sender")

    def _subject_hashes(self, scope: str, value: str) -> list[str]:
        """The subject's hash under every configured data key, the current one first (a rotation resets nothing)."""
        return self._cipher.blind_indexes(value.strip().upper(), context=f"identity.{scope}")

    def _sender_hashes(self, access: AccessContext) -> list[str]:
        return self._cipher.blind_indexes(f"{access.channel}\x00{access.conversation_id}", context="identity.sender")

    # --- messages -----------------------------------------------------------------------------------------

    def _locked_message(self, scope: str, until: dt.datetime) -> str:
        what = {
            "person": "这个身份证号的身份核对",
            "organisation": "这个统一社会信用代码的核对",
            "sender": "您这边的身份核对",
        }[scope]
        return (
            f"为保护个人信息，{what}已连续多次未通过，现已暂停，请在{_when(until)}（北京时间）以后再试。"
            f"如需帮助，请拨打{self._hotline}，或携带身份证件到县区人社部门窗口办理。"
        )

    def _busy_message(self, scope: str) -> str:
        what = {"person": "这个身份证号", "organisation": "这个统一社会信用代码", "sender": "您这边"}[scope]
        return f"{what}正有几次核对在进行中，请稍等一会儿再试。如需帮助，请拨打{self._hotline}。"

    # --- plumbing -----------------------------------------------------------------------------------------

    def _run(self, unit: Callable[[Session], Any]) -> Any:
        for attempt in range(3):
            try:
                with self._sessions.begin() as session:
                    return unit(session)
            except IntegrityError:
                if attempt == 2:
                    raise CaseSystemUnavailable(detail="identity limit race") from None
            except SQLAlchemyError as exc:
                log.error("identity limits unavailable: %s", type(exc).__name__)
                raise CaseSystemUnavailable(detail=type(exc).__name__) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _limit_row(self, session: Session, scope: str, hashes: list[str]) -> IdentityLimit:
        """The counter row of a subject, found under any configured key and re-keyed to the current one."""
        query = select(IdentityLimit).where(IdentityLimit.scope == scope, IdentityLimit.key_hash.in_(hashes))
        rows = session.execute(query.with_for_update()).scalars().all()
        if not rows:
            row = IdentityLimit(scope=scope, key_hash=hashes[0], attempts=0, window_started_at=self._now())
            session.add(row)
            session.flush()  # a concurrent first attempt loses here and the unit is run again
            return row
        row = max(rows, key=lambda r: (r.locked_until is not None, r.attempts))
        for other in rows:
            if other is not row:
                session.delete(other)
        if row.key_hash != hashes[0]:
            session.flush()
            row.key_hash = hashes[0]
        return row

    def _audit(self, session: Session, reservation: _Reservation, outcome: str) -> None:
        access = reservation.access
        session.add(
            IdentityAttempt(
                at=self._now(),
                scope=reservation.scope,
                subject_hash=reservation.subject_hash,
                channel=access.channel[:32],
                conversation_id=access.conversation_id[:128],
                purpose=access.purpose[:100],
                method=reservation.method,
                outcome=outcome,
            )
        )

    # --- attempts -----------------------------------------------------------------------------------------

    def _reservation(self, scope: str, subject: str, access: AccessContext | None, method: str) -> _Reservation:
        known_sender = access is not None and access.conversation_id not in ("", "unknown")
        subject_hashes = self._subject_hashes(scope, subject)
        sender_hashes = self._sender_hashes(access) if access is not None and known_sender else []
        return _Reservation(
            scope,
            subject_hashes[0],
            sender_hashes[0] if sender_hashes else None,
            access or AccessContext(conversation_id="unknown", channel="unknown", purpose="核验"),
            method,
            subject_hashes,
            sender_hashes,
        )

    def _reserve_in(self, session: Session, reservation: _Reservation) -> tuple[str, dt.datetime | None] | None:
        """Count the attempt in ``session``; the refusal (scope, lock end or None when busy) when none is left."""
        now = self._now()
        max_for = {reservation.scope: self.limits.max_failures, "sender": self.limits.sender_max_failures}
        rows = [(reservation.scope, self._limit_row(session, reservation.scope, reservation.subject_hashes))]
        if reservation.sender_hashes:
            rows.append(("sender", self._limit_row(session, "sender", reservation.sender_hashes)))
        for kind, row in rows:
            if row.locked_until is not None and _aware(row.locked_until) > now:
                self._audit(session, reservation, "locked")
                return kind, _aware(row.locked_until)
            if row.locked_until is not None or _aware(row.window_started_at) + self.limits.lock <= now:
                row.attempts, row.window_started_at, row.locked_until = 0, now, None
            if row.attempts >= max_for[kind]:
                # Every attempt left is taken by checks still under way (a failure at the limit locks in
                # finish()): refuse this one without locking, since those checks may well succeed.
                self._audit(session, reservation, "busy")
                return kind, None
        for _kind, row in rows:
            row.attempts += 1
        return None

    def _refuse(self, kind: str, until: dt.datetime | None) -> None:
        if until is None:
            log.warning("identity check refused: %s has every attempt in progress", kind)
            raise IdentityLocked(self._busy_message(kind), until=self._now())
        log.warning("identity check refused: %s locked until %s", kind, until.isoformat())
        raise IdentityLocked(self._locked_message(kind, until), until=until)

    def reserve(self, scope: str, subject: str, access: AccessContext | None, method: str) -> _Reservation:
        """Count one attempt for the subject (and the channel user, when known) before anything is compared.

        Raises:
            IdentityLocked: the subject or the sender has no attempts left; the refusal is audited.
        """
        reservation = self._reservation(scope, subject, access, method)
        refused = self._run(lambda session: self._reserve_in(session, reservation))
        if refused:
            self._refuse(*refused)
        return reservation

    def _finish_in(self, session: Session, reservation: _Reservation, ok: bool | None) -> int:
        now = self._now()
        self._audit(session, reservation, {True: "ok", False: "failed", None: "error"}[ok])
        rows = [(self._limit_row(session, reservation.scope, reservation.subject_hashes), self.limits.max_failures)]
        if reservation.sender_hashes:
            rows.append(
                (self._limit_row(session, "sender", reservation.sender_hashes), self.limits.sender_max_failures)
            )
        subject = rows[0][0]
        if ok is None:
            for row, _most in rows:
                row.attempts = max(0, row.attempts - 1)
        elif ok:
            for row, _most in rows[1:]:
                row.attempts = max(0, row.attempts - 1)
            subject.attempts = 0
            return self.limits.max_failures
        else:
            for row, most in rows:
                if row.attempts >= most and row.locked_until is None:
                    row.locked_until = now + self.limits.lock
        return max(0, self.limits.max_failures - subject.attempts)

    def finish(self, reservation: _Reservation, ok: bool | None) -> int:
        """Record the outcome (``None``: the comparison could not be made) and return the attempts left.

        A success resets the subject's counter and gives the sender its attempt back; ``None`` gives both back.
        """
        return self._run(lambda session: self._finish_in(session, reservation, ok))

    def checked(
        self,
        scope: str,
        subject: str,
        access: AccessContext | None,
        method: str,
        compare: Callable[[Session], T | None],
    ) -> T | None:
        """One attempt whose comparison reads the guard's own database: counted, compared and recorded in a single
        write transaction, with the same outcome as :meth:`attempt` (``compare`` returns None for no match).

        The transaction holds the subject's counter row (SQLite: the write lock; PostgreSQL: ``FOR UPDATE``) from
        the count to the outcome, so parallel guesses still queue behind it, and no other check can see an
        attempt in progress. A check makes one write transaction instead of three: fifty people verifying at once
        had kept the action server's threads waiting for the case database's write lock. When the comparison
        fails, the transaction is rolled back (nothing was compared, so nothing is counted) and the error is
        audited on its own.

        Raises:
            IdentityLocked: the subject or the sender has no attempts left; the refusal is audited.
        """
        reservation = self._reservation(scope, subject, access, method)

        def unit(session: Session) -> tuple[tuple[str, dt.datetime | None] | None, T | None]:
            refused = self._reserve_in(session, reservation)
            if refused:
                return refused, None
            found = compare(session)
            self._finish_in(session, reservation, found is not None)
            return None, found

        try:
            refused, found = self._run(unit)
        except BaseException:
            with contextlib.suppress(CaseSystemUnavailable):
                self._run(lambda session: self._audit(session, reservation, "error"))
            raise
        if refused:
            self._refuse(*refused)
        return found

    @contextmanager
    def attempt(self, scope: str, subject: str, access: AccessContext | None, method: str) -> Iterator[list[bool]]:
        """``with guard.attempt(...) as outcome: ...; outcome.append(matched)`` — an error counts as a failure."""
        reservation = self.reserve(scope, subject, access, method)
        outcome: list[bool] = []
        try:
            yield outcome
        except IdentityMismatch:
            self.finish(reservation, ok=False)
            raise
        except BaseException:
            self.finish(reservation, ok=None)  # the case system failed: nothing was compared
            raise
        self.finish(reservation, ok=bool(outcome and outcome[-1]))

    def attempts_left(self, scope: str, subject: str) -> int:
        """Attempts the subject has left in the current window (for the message after a failure)."""
        keys = self._subject_hashes(scope, subject)

        def unit(session: Session) -> int:
            row = session.execute(
                select(IdentityLimit)
                .where(IdentityLimit.scope == scope, IdentityLimit.key_hash.in_(keys))
                .order_by(IdentityLimit.attempts.desc())
                .limit(1)
            ).scalar_one_or_none()
            if row is None:
                return self.limits.max_failures
            now = self._now()
            if row.locked_until is not None and _aware(row.locked_until) > now:
                return 0
            if _aware(row.window_started_at) + self.limits.lock <= now:
                return self.limits.max_failures
            return max(0, self.limits.max_failures - row.attempts)

        return self._run(unit)

    # --- proofs -------------------------------------------------------------------------------------------

    def require_proof(self, scope: str, subject: str, access: AccessContext) -> None:
        """Raise unless this conversation proved ``subject`` within the validity period and it is not locked.

        Raises:
            IdentityLocked: the subject is locked (nobody sees it until the lock ends).
            IdentityNotProven: no recent successful proof by this channel user.
        """
        subject_hashes = self._subject_hashes(scope, subject)

        def unit(session: Session) -> dt.datetime | str | None:
            now = self._now()
            limits = session.execute(
                select(IdentityLimit).where(IdentityLimit.scope == scope, IdentityLimit.key_hash.in_(subject_hashes))
            ).scalars()
            for limit in limits:
                if limit.locked_until is not None and _aware(limit.locked_until) > now:
                    return _aware(limit.locked_until)
            proof = session.execute(
                select(IdentityAttempt.id)
                .where(
                    IdentityAttempt.scope == scope,
                    IdentityAttempt.subject_hash.in_(subject_hashes),
                    IdentityAttempt.channel == access.channel[:32],
                    IdentityAttempt.conversation_id == access.conversation_id[:128],
                    IdentityAttempt.outcome == "ok",
                    IdentityAttempt.at > now - self.limits.proof_valid,
                )
                .limit(1)
            ).scalar_one_or_none()
            return None if proof is not None else "missing"

        result = self._run(unit)
        if isinstance(result, dt.datetime):
            raise IdentityLocked(self._locked_message(scope, result), until=result)
        if result == "missing":
            raise IdentityNotProven()

    def clear(self, scope: str, subject: str) -> None:
        """Lift a lock (staff, after verifying the person in another way)."""
        keys = self._subject_hashes(scope, subject)
        self._run(
            lambda session: session.execute(
                update(IdentityLimit)
                .where(IdentityLimit.scope == scope, IdentityLimit.key_hash.in_(keys))
                .values(attempts=0, locked_until=None)
            )
        )


def _phone_method(given: str) -> str:
    digits = "".join(ch for ch in given if ch.isdigit())
    return "last4" if len(digits) == 4 else "phone"


class GuardedCaseStore(CaseStore):
    """A case store whose identity matches go through an :class:`IdentityGuard` (every other call passes)."""

    def __init__(self, inner: CaseStore, guard: IdentityGuard) -> None:
        """Wrap ``inner``; ``guard`` keeps the counters."""
        self.inner = inner
        self.guard = guard
        # The embedded store shares the guard's database: a check then takes one transaction (IdentityGuard.checked).
        self._sql = inner if isinstance(inner, SqlCaseStore) and inner.engine is guard.engine else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def close(self) -> None:
        """Close the wrapped store."""
        self.inner.close()

    # --- matching a person ------------------------------------------------------------------------------

    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.verify_person`; limited and audited by the guard."""
        method = _phone_method(phone_or_last4)
        sql = self._sql
        if sql is not None:
            return self.guard.checked(
                "person",
                id_number,
                access,
                method,
                lambda session: sql.verify_person_in(session, id_number, phone_or_last4, access=access),
            )
        with self.guard.attempt("person", id_number, access, method) as outcome:
            person = self.inner.verify_person(id_number, phone_or_last4, access=access)
            outcome.append(person is not None)
        return person

    def upsert_registration(self, person: PersonDetails, **kwargs: Any) -> Any:
        """See :meth:`CaseStore.upsert_registration`: the record match (ID + name + phone) counts as a proof."""
        access: AccessContext = kwargs["access"]
        with self.guard.attempt("person", person.id_number, access, "registration") as outcome:
            result = self.inner.upsert_registration(person, **kwargs)
            outcome.append(True)
        return result

    # --- reading a person's record ------------------------------------------------------------------------

    def _require(self, id_number: str, access: AccessContext) -> None:
        if access.actor == ASSISTANT_ACTOR:
            self.guard.require_proof("person", id_number, access)

    def find_person(self, id_number: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.find_person`; the assistant must have proven the identity first."""
        self._require(id_number, access)
        return self.inner.find_person(id_number, access=access)

    def get_status(self, id_number: str, *, access: AccessContext) -> Any:
        """See :meth:`CaseStore.get_status`; the assistant must have proven the identity first."""
        self._require(id_number, access)
        return self.inner.get_status(id_number, access=access)

    # --- matching an organisation -------------------------------------------------------------------------

    def verify_employer(self, credit_code: str, phone: str, *, access: AccessContext | None = None) -> Any:
        """See :meth:`CaseStore.verify_employer`; limited per credit code (and per sender when known)."""
        with self.guard.attempt("organisation", credit_code, access, _phone_method(phone)) as outcome:
            found = self.inner.verify_employer(credit_code, phone)
            outcome.append(found is not None)
        return found

    def verify_hr_agency(self, credit_code: str, phone: str, *, access: AccessContext | None = None) -> Any:
        """See :meth:`CaseStore.verify_hr_agency`; limited per credit code (and per sender when known)."""
        with self.guard.attempt("organisation", credit_code, access, _phone_method(phone)) as outcome:
            found = self.inner.verify_hr_agency(credit_code, phone)
            outcome.append(found is not None)
        return found

    def verify_organisation(
        self, credit_code: str, phone: str, *, access: AccessContext | None = None
    ) -> EmployerRecord | HrAgencyRecord | None:
        """Employer or HR agency with this code and contact phone, as one limited and audited attempt."""
        with self.guard.attempt("organisation", credit_code, access, _phone_method(phone)) as outcome:
            found = self.inner.verify_employer(credit_code, phone) or self.inner.verify_hr_agency(credit_code, phone)
            outcome.append(found is not None)
        return found

    def identity_attempts_left(self, scope: str, subject: str) -> int:
        """Attempts ``subject`` has left (``person`` ID number or ``organisation`` credit code)."""
        return self.guard.attempts_left(scope, subject)


def _delegate(name: str) -> Callable[..., Any]:
    def method(self: GuardedCaseStore, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.inner, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"See :meth:`CaseStore.{name}` (passed to the wrapped store)."
    return method


# Every other method of the interface passes straight to the wrapped store, including ones added later.
for _name in CaseStore.__abstractmethods__:
    if _name not in GuardedCaseStore.__dict__:
        setattr(GuardedCaseStore, _name, _delegate(_name))
GuardedCaseStore.__abstractmethods__ = frozenset()

"""The plumbing of the SQL case store: engine, units of work, audit rows, rows turned into typed records.

See :mod:`bot.cases.sql_store` for the store; nothing here decides anything about the policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, pool, select
from sqlalchemy.engine import Engine
from sqlalchemy.engine import url as sa_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.cases import records as rec
from bot.cases import sealed
from bot.cases.errors import (
    CaseRequestRefused,
    CaseSystemUnavailable,
    PersonNotFound,
)
from bot.cases.models import (
    AuditLog,
    HandoffRequest,
    JobSeekingRegistration,
    Person,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
)
from bot.cases.records import AccessContext, make_reference
from bot.clock import as_utc
from bot.crypto import DataCipher

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


READ_ONLY = "case_read_only"


def row_to_record(record: type[R], row: Any, **given: Any) -> R:
    """``record`` built from the ORM row's attributes of the same names (times as aware UTC).

    ``given`` supplies what the row does not hold under the record's name; a record field with a default
    that the row lacks keeps its default.
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        if field.name in given:
            values[field.name] = given[field.name]
        elif hasattr(row, field.name):
            value = getattr(row, field.name)
            values[field.name] = as_utc(value) if isinstance(value, dt.datetime) else value
    return record(**values)


def read_only(engine: Engine) -> Engine:
    """``engine`` for units of work that only read: on SQLite they do not take the write lock at BEGIN."""
    return engine.execution_options(**{READ_ONLY: True})


def sqlite_pool(url: str) -> dict[str, Any]:
    """Engine arguments that keep a file SQLite database's connections open between transactions.

    SQLAlchemy 1.4 opens and closes a new connection (with its PRAGMAs) for every session on a file
    database; a tenth of the Rasa process's time under load went to that. A connection is used by one
    session at a time (so ``check_same_thread`` may be off); an in-memory database keeps SQLAlchemy's default.
    """
    database = sa_url.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return {}
    return {"poolclass": pool.QueuePool, "pool_size": 5, "max_overflow": 10}


# How long a write transaction waits for SQLite's write lock, and how often it looks again meanwhile.
WRITE_LOCK_WAIT_S = 30.0
WRITE_LOCK_POLL_S = (0.0005, 0.005)


def begin_immediate(execute: Callable[[str], Any]) -> None:
    """``BEGIN IMMEDIATE`` through ``execute`` (a connection's ``exec_driver_sql``), waiting for the write lock up
    to ``WRITE_LOCK_WAIT_S``.

    SQLite's own busy wait sleeps 1, 2, 5, 10 … up to 100 ms between looks, so under a burst of writes (fifty
    identity checks at once) a waiting writer slept far longer than the few milliseconds the lock was held, and
    the action server's threads spent most of their time asleep in ``BEGIN``. Here the wait looks again every
    half to five milliseconds. SQLite's busy timeout is off for this one statement only.

    Raises:
        OperationalError: still locked after ``WRITE_LOCK_WAIT_S`` (SQLite's "database is locked").
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT_S
    pause, longest = WRITE_LOCK_POLL_S
    execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                execute("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                locked = isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)
                if not locked or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, longest)
    finally:
        execute(f"PRAGMA busy_timeout = {int(WRITE_LOCK_WAIT_S * 1000)}")


def build_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this store relies on (connects lazily).

    SQLite: foreign keys on, a file database in WAL mode, and every transaction starts with ``BEGIN IMMEDIATE``
    so that concurrent writers queue on the busy timeout instead of failing with "database is locked" on a lock
    upgrade (except through :func:`read_only`, whose transactions never write); the database file is made
    readable by its owner only (mode 0600) on the first connection, before anything is
    written to it. Bound parameters (ID numbers, phones) never appear in SQLAlchemy's error messages.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,
            connect_args={"timeout": 30, "check_same_thread": False},
            **sqlite_pool(url),
        )
        database = engine.url.database

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            if database and database != ":memory:" and not database.startswith("file:"):
                path = Path(database)
                if path.exists() and path.stat().st_mode & 0o077:
                    path.chmod(0o600)  # journals SQLite creates next to it take the same mode
            dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if database and database != ":memory:" and not database.startswith("file:"):
                # Write-ahead log: readers never wait for a writer, and a commit syncs one file once (the
                # rollback journal synced the journal and the database, and blocked every reader meanwhile).
                # synchronous stays FULL: a confirmed registration survives a power cut.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Reads on a read-only engine (read_only()) start a deferred transaction and wait for no writer.
            if connection.get_execution_options().get(READ_ONLY, False):
                connection.exec_driver_sql("BEGIN")
                return
            begin_immediate(connection.exec_driver_sql)

        return engine
    return create_engine(url, future=True, hide_parameters=True, pool_size=10, max_overflow=20, pool_pre_ping=True)


def phone_matches(stored: str | None, given: str) -> bool:
    """Compare a full number, or the last four digits, in constant time."""
    if not stored:
        return False
    given = "".join(ch for ch in given if ch.isdigit())
    if len(given) == 4:
        return hmac.compare_digest(stored[-4:], given)
    if len(given) == 11:
        return hmac.compare_digest(stored, given)
    return False


def norm_id(id_number: str) -> str:
    """An ID number as stored: trimmed, with the check character upper-cased."""
    return id_number.strip().upper()


class SqlStoreBase:
    """Engine, sessions and conversions shared by the parts of :class:`~bot.cases.sql_store.SqlCaseStore`."""

    def __init__(
        self,
        url: str,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        max_attempts: int = 8,
        engine: Engine | None = None,
        cipher: DataCipher | None = None,
    ) -> None:
        """Prepare the engine (no connection is made yet).

        Args:
            url: SQLAlchemy database URL.
            today: the clock used for the date in references (honours ``ASSISTANT_TODAY`` via settings).
            max_attempts: how often a unit of work is tried when it loses a race on a unique key.
            engine: an engine to use instead of building one from ``url``.
            cipher: seals personal data (default: ``CASE_DATA_KEY`` of the environment's settings).
        """
        self._engine = sealed.attach(engine or build_engine(url), cipher or sealed.default_cipher())
        self._sessions = sessionmaker(self._engine, future=True, expire_on_commit=False)
        self._today = today
        self._max_attempts = max_attempts

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations and tests)."""
        return self._engine

    def close(self) -> None:
        """Dispose of the connection pool."""
        self._engine.dispose()

    # --- plumbing -----------------------------------------------------------------------------------------

    def _run(self, unit: Callable[[Session], T]) -> T:
        """Run ``unit`` in its own transaction; retry it when it loses a race on a unique key."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                with self._sessions.begin() as session:
                    return unit(session)
            except IntegrityError as exc:
                if attempt == self._max_attempts:
                    log.error("case database: integrity error after %d attempts: %s", attempt, exc.orig)
                    raise CaseRequestRefused(detail="integrity error") from exc
                log.info("case database: unique-key race, retrying (attempt %d)", attempt)
            except (OperationalError, InterfaceError) as exc:
                log.error("case database unavailable: %s", exc.orig)
                raise CaseSystemUnavailable(detail=type(exc.orig).__name__) from exc
            except SQLAlchemyError as exc:
                log.exception("case database error")
                raise CaseRequestRefused(detail=type(exc).__name__) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _assign_reference(self, session: Session, row: Any, kind: str) -> None:
        session.flush()  # the row id makes the reference unique, on SQLite and PostgreSQL alike
        row.reference = make_reference(kind, self._today(), row.id)
        session.flush()

    @staticmethod
    def _audit(session: Session, access: AccessContext, person_id: int | None, action: str) -> None:
        session.add(
            AuditLog(
                actor=access.actor[:64],
                channel=access.channel[:32],
                conversation_id=access.conversation_id[:128],
                person_id=person_id,
                action=action[:32],
                purpose=access.purpose[:100],
            )
        )

    @staticmethod
    def _person_by_id_number(session: Session, id_number: str) -> Person | None:
        hashes = sealed.id_number_hashes(session.get_bind(), norm_id(id_number))
        return session.execute(select(Person).where(Person.id_number_hash.in_(hashes))).scalar_one_or_none()

    def _require_person(self, session: Session, id_number: str) -> Person:
        person = self._person_by_id_number(session, id_number)
        if person is None:
            raise PersonNotFound()
        return person

    # --- conversions --------------------------------------------------------------------------------------

    @staticmethod
    def _person_record(p: Person) -> rec.PersonRecord:
        return row_to_record(rec.PersonRecord, p)

    @staticmethod
    def _registration_record(r: JobSeekingRegistration, id_number: str) -> rec.RegistrationRecord:
        return row_to_record(rec.RegistrationRecord, r, id_number=id_number)

    @staticmethod
    def _transport_record(t: TransportRequest, id_number: str) -> rec.TransportRequestRecord:
        return row_to_record(rec.TransportRequestRecord, t, id_number=id_number)

    @staticmethod
    def _training_record(t: TrainingEnrolment, id_number: str) -> rec.TrainingEnrolmentRecord:
        return row_to_record(rec.TrainingEnrolmentRecord, t, id_number=id_number)

    @staticmethod
    def _subsidy_record(a: SubsidyApplication) -> rec.SubsidyApplicationRecord:
        if a.applicant_person is not None:
            kind, identifier = "person", a.applicant_person.id_number
        elif a.applicant_employer is not None:
            kind, identifier = "employer", a.applicant_employer.credit_code
        else:
            kind, identifier = "hr_agency", a.applicant_agency.credit_code
        beneficiary = a.beneficiary.id_number if a.beneficiary is not None else None
        return row_to_record(
            rec.SubsidyApplicationRecord,
            a,
            applicant_kind=kind,
            applicant_identifier=identifier,
            beneficiary_id_number=beneficiary,
        )

    @staticmethod
    def _handoff_record(h: HandoffRequest) -> rec.HandoffRecord:
        return row_to_record(rec.HandoffRecord, h)

    @staticmethod
    def _status_item(kind: str, row: Any) -> rec.StatusItem:
        """The row of any referenced table as a status item: the facts its kind has, the others left empty."""
        beneficiary = getattr(row, "beneficiary", None)
        return row_to_record(
            rec.StatusItem,
            row,
            kind=kind,
            beneficiary_id_number=beneficiary.id_number if beneficiary is not None else None,
        )

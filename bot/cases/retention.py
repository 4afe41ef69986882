"""Retention: remove or anonymise personal data past its period (``python -m bot purge``, ``make purge``).

- Audit rows (``audit_log``, ``identity_attempts``) and spent attempt counters older than ``RETENTION_AUDIT_DAYS``
  are deleted.
- A person whose record and every request, enrolment and application concerning them is closed (approved,
  rejected, completed or cancelled) and unchanged for ``RETENTION_CASE_DAYS`` is anonymised: ID number, name
  and phone are replaced, the rows stay for the statistics. Handoff requests closed that long ago lose their
  reason text, conversation id and callback number.
- Conversations in the tracker store (Rasa's ``events`` table in ``TRACKER_DB_URL``, when it exists) whose
  latest event is older than ``RETENTION_CONVERSATION_DAYS`` are deleted as a whole, so no live conversation
  loses part of its history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, inspect, or_, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.cases import models, sealed
from bot.cases.sql_store import build_engine
from bot.crypto import DataCipher

OPEN_STATUSES = ("submitted", "in_review")
ANONYMOUS_NAME = "已匿名"
ANONYMOUS_PHONE = "00000000000"


@dataclass(frozen=True)
class RetentionPeriods:
    """How many days each kind of data is kept."""

    case_days: int = 1095
    audit_days: int = 365
    conversation_days: int = 90


def _anonymous_id(person_id: int) -> str:
    """A placeholder of 18 characters that no validator accepts as an ID number."""
    return f"P{person_id:017d}"


def purge(
    case_db_url: str,
    periods: RetentionPeriods,
    *,
    tracker_db_url: str | None = None,
    now: dt.datetime | None = None,
    cipher: DataCipher | None = None,
) -> dict[str, int]:
    """Apply ``periods`` to the case database (and the tracker store); returns what was done, by kind.

    ``cipher`` seals the anonymous values (default: ``CASE_DATA_KEY`` of the environment's settings).
    """
    now = now or models.utcnow()
    case_cutoff = now - dt.timedelta(days=periods.case_days)
    audit_cutoff = now - dt.timedelta(days=periods.audit_days)
    counts: dict[str, int] = {}
    engine = sealed.attach(build_engine(case_db_url), cipher or sealed.default_cipher())
    try:
        with Session(engine, future=True) as session, session.begin():
            counts["audit_log"] = session.execute(
                delete(models.AuditLog).where(models.AuditLog.at < audit_cutoff)
            ).rowcount
            counts["identity_attempts"] = session.execute(
                delete(models.IdentityAttempt).where(models.IdentityAttempt.at < audit_cutoff)
            ).rowcount
            counts["identity_limits"] = session.execute(
                delete(models.IdentityLimit).where(
                    models.IdentityLimit.updated_at < audit_cutoff,
                    or_(models.IdentityLimit.locked_until.is_(None), models.IdentityLimit.locked_until < now),
                )
            ).rowcount
            counts["persons_anonymised"] = _anonymise_persons(session, case_cutoff)
            counts["handoffs_cleared"] = session.execute(
                update(models.HandoffRequest)
                .where(
                    models.HandoffRequest.updated_at < case_cutoff, models.HandoffRequest.status.notin_(OPEN_STATUSES)
                )
                .where(models.HandoffRequest.conversation_id != "purged")
                .values(reason="（已清理）", conversation_id="purged", callback_phone=None)
            ).rowcount
    finally:
        engine.dispose()
    _vacuum_sqlite(case_db_url)
    if tracker_db_url:
        counts["conversations"] = _purge_conversations(
            tracker_db_url, now - dt.timedelta(days=periods.conversation_days)
        )
    return counts


def _anonymise_persons(session: Session, cutoff: dt.datetime) -> int:
    recent_or_open: list = []
    for model, column in (
        (models.JobSeekingRegistration, models.JobSeekingRegistration.person_id),
        (models.TransportRequest, models.TransportRequest.person_id),
        (models.TrainingEnrolment, models.TrainingEnrolment.person_id),
        (models.SubsidyApplication, models.SubsidyApplication.beneficiary_person_id),
        (models.SubsidyApplication, models.SubsidyApplication.applicant_person_id),
    ):
        recent_or_open.append(
            select(column).where(column.is_not(None), or_(model.updated_at >= cutoff, model.status.in_(OPEN_STATUSES)))
        )
    candidates = session.execute(
        select(models.Person.id).where(
            models.Person.updated_at < cutoff,
            models.Person.anonymised_at.is_(None),
            *[models.Person.id.notin_(query) for query in recent_or_open],
        )
    ).scalars()
    cipher = sealed.cipher_for(session.get_bind())
    done = 0
    for person_id in list(candidates):
        placeholder = _anonymous_id(person_id)
        session.execute(
            update(models.Person)
            .where(models.Person.id == person_id)
            .values(
                id_number=placeholder,
                id_number_hash=sealed.id_number_hash(cipher, placeholder),
                name=ANONYMOUS_NAME,
                phone=ANONYMOUS_PHONE,
                township=None,
                anonymised_at=models.utcnow(),
            )
        )
        done += 1
    return done


def _vacuum_sqlite(url: str) -> None:
    """Rewrite a SQLite file so that deleted or overwritten values do not linger in its free pages or its WAL."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if database and database != ":memory:" and Path(database).exists():
        with contextlib.closing(sqlite3.connect(database)) as conn:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no-op for a database without a write-ahead log


def _purge_conversations(tracker_db_url: str, cutoff: dt.datetime) -> int:
    engine = build_engine(tracker_db_url)
    try:
        if "events" not in inspect(engine).get_table_names():
            return 0
        with engine.begin() as conn:
            stale = select(text("sender_id")).select_from(text("events")).group_by(text("sender_id"))
            stale = stale.having(func.max(text("timestamp")) < cutoff.timestamp())
            senders = [row[0] for row in conn.execute(stale)]
            for sender in senders:
                conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    finally:
        engine.dispose()
    _vacuum_sqlite(tracker_db_url)
    return len(senders)

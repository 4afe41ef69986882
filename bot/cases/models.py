"""SQLAlchemy table mappings of the case database (declarative, 2.0 style on SQLAlchemy 1.4).

Only :mod:`bot.cases.sql_store`, :mod:`bot.cases.admin` and the migrations import this module; everything
else works with the records in :mod:`bot.cases.records`. Status and category columns hold English codes;
the lists and their Chinese labels live in :mod:`policy_kb.vocabulary` (CHECKs: :mod:`bot.cases.checks`). The
declarative base and the columns that kinds of rows share are in :mod:`bot.cases.model_base`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import relationship

from bot.cases.checks import (
    CATEGORY_CHECK,
    EMPLOYER_KIND_CHECK,
    EMPLOYMENT_STATUS_CHECK,
    LOCAL_OR_AWAY_CHECK,
    STATUS_CHECK,
)
from bot.cases.model_base import (
    Base,
    OrganisationColumns,
    PersonRequestColumns,
    RequestColumns,
    created_column,
    open_request_unique,
    updated_column,
)
from bot.cases.sealed import Sealed, cipher_for, id_number_hash
from bot.clock import utcnow
from bot.privacy import mask_id_number, mask_phone


class Person(Base):
    """A person: local (Linyi county) or a migrant from a central/western province."""

    __tablename__ = "persons"

    id = Column(Integer, primary_key=True)
    # Sealed: encrypted in the database (bot.cases.sealed); found by the keyed hash of the ID number.
    id_number = Column(Sealed("persons.id_number"), nullable=False)
    id_number_hash = Column(String(64), nullable=False, unique=True)
    name = Column(Sealed("persons.name"), nullable=False)
    phone = Column(Sealed("persons.phone"), nullable=False)
    county = Column(String(32))
    township = Column(String(64))
    origin_province = Column(String(32))
    origin_county = Column(String(32))
    category = Column(String(32), nullable=False, default="other")
    employment_status = Column(String(32), nullable=False, default="unemployed")
    received_work_for_training = Column(Boolean, nullable=False, default=False)
    anonymised_at = Column(DateTime(timezone=True))  # set by the retention purge (bot.cases.retention)
    created_at = created_column()
    updated_at = updated_column()

    __table_args__ = (
        CheckConstraint(
            CATEGORY_CHECK,
            name="category",
        ),
        CheckConstraint(
            EMPLOYMENT_STATUS_CHECK,
            name="employment_status",
        ),
    )

    def __repr__(self) -> str:
        return (
            f"Person(id={self.id}, id_number={mask_id_number(self.id_number or '')!r}, "
            f"phone={mask_phone(self.phone or '')!r})"
        )


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _hash_id_number(_mapper: Any, connection: Any, target: Person) -> None:
    """Keep the lookup hash in step with the ID number, under the engine's current key."""
    if target.id_number is not None:
        target.id_number_hash = id_number_hash(cipher_for(connection), target.id_number)


class Employer(OrganisationColumns, Base):
    """An enterprise, cooperative, assistance workshop, community or satellite factory."""

    __tablename__ = "employers"

    kind = Column(String(32), nullable=False)
    contact_phone = Column(Sealed("employers.contact_phone"))

    __table_args__ = (
        CheckConstraint(
            EMPLOYER_KIND_CHECK,
            name="kind",
        ),
    )


class Employment(Base):
    """A person employed by an employer, possibly with 以工代训 (work-for-training)."""

    __tablename__ = "employments"

    id = Column(Integer, primary_key=True)
    employer_id = Column(Integer, ForeignKey("employers.id"), nullable=False, index=True)
    person_id = Column(Integer, ForeignKey("persons.id"), nullable=False, index=True)
    start_date = Column(Date, nullable=False)
    contract_months = Column(Integer)
    with_work_for_training = Column(Boolean, nullable=False, default=False)
    created_at = created_column()

    employer = relationship(Employer)
    person = relationship(Person)

    __table_args__ = (UniqueConstraint("employer_id", "person_id", "start_date"),)


class HrAgency(OrganisationColumns, Base):
    """A human-resources service agency (人力资源服务机构)."""

    __tablename__ = "hr_agencies"

    contact_phone = Column(Sealed("hr_agencies.contact_phone"))


class Placement(Base):
    """A person placed in work by an HR agency (有组织劳务输出, clause 12)."""

    __tablename__ = "placements"

    id = Column(Integer, primary_key=True)
    agency_id = Column(Integer, ForeignKey("hr_agencies.id"), nullable=False, index=True)
    person_id = Column(Integer, ForeignKey("persons.id"), nullable=False, index=True)
    destination_province = Column(String(32))
    destination_county = Column(String(32))
    outside_home_county = Column(Boolean, nullable=False)
    contract_months = Column(Integer)
    start_date = Column(Date, nullable=False)
    created_at = created_column()

    agency = relationship(HrAgency)
    person = relationship(Person)


class JobSeekingRegistration(RequestColumns, Base):
    """The one current job-seeking registration (求职登记) of a person."""

    __tablename__ = "job_seeking_registrations"

    person_id = Column(Integer, ForeignKey("persons.id"), nullable=False, unique=True)
    work_wanted = Column(String(100), nullable=False)
    local_or_away = Column(String(8), nullable=False)
    needs_transport = Column(Boolean, nullable=False, default=False)
    wants_training = Column(Boolean, nullable=False, default=False)

    person = relationship(Person)

    __table_args__ = (
        CheckConstraint(LOCAL_OR_AWAY_CHECK, name="local_or_away"),
        CheckConstraint(STATUS_CHECK, name="status"),
    )


class TransportRequest(PersonRequestColumns, Base):
    """A “点对点” ride to work (clause 13)."""

    __tablename__ = "transport_requests"

    destination = Column(String(100), nullable=False)
    departure_date = Column(Date, nullable=False)
    party_size = Column(Integer, nullable=False)

    __table_args__ = (
        CheckConstraint("party_size >= 1", name="party_size"),
        CheckConstraint(STATUS_CHECK, name="status"),
        open_request_unique("uq_transport_requests_open", "person_id", "destination", "departure_date"),
    )


class TrainingEnrolment(PersonRequestColumns, Base):
    """An enrolment in project-based vocational skills training (clause 14)."""

    __tablename__ = "training_enrolments"

    course = Column(String(100), nullable=False)

    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        open_request_unique("uq_training_enrolments_open", "person_id", "course"),
    )


class SubsidyApplication(RequestColumns, Base):
    """A subsidy application by a person, an employer or an HR agency under a clause of the policy."""

    __tablename__ = "subsidy_applications"

    applicant_person_id = Column(Integer, ForeignKey("persons.id"), index=True)
    applicant_employer_id = Column(Integer, ForeignKey("employers.id"), index=True)
    applicant_agency_id = Column(Integer, ForeignKey("hr_agencies.id"), index=True)
    beneficiary_person_id = Column(Integer, ForeignKey("persons.id"), index=True)
    clause = Column(Integer, nullable=False)
    amount_yuan = Column(Integer, nullable=False)
    months = Column(Integer)

    applicant_person = relationship(Person, foreign_keys=[applicant_person_id])
    applicant_employer = relationship(Employer)
    applicant_agency = relationship(HrAgency)
    beneficiary = relationship(Person, foreign_keys=[beneficiary_person_id])

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN applicant_person_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN applicant_employer_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN applicant_agency_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_applicant",
        ),
        CheckConstraint("amount_yuan >= 0", name="amount_yuan"),
        CheckConstraint(STATUS_CHECK, name="status"),
        # NULLs never collide in a unique index: the absent parties are compared as 0.
        open_request_unique(
            "uq_subsidy_applications_open",
            "clause",
            func.coalesce(applicant_person_id, 0),
            func.coalesce(applicant_employer_id, 0),
            func.coalesce(applicant_agency_id, 0),
            func.coalesce(beneficiary_person_id, 0),
        ),
    )


class HandoffRequest(RequestColumns, Base):
    """A request to talk to a person of the public employment service (转人工)."""

    __tablename__ = "handoff_requests"

    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reason = Column(String(200), nullable=False)
    person_id = Column(Integer, ForeignKey("persons.id"), index=True)
    # A number left for a call back (anonymous users); sealed like every phone number.
    callback_phone = Column(Sealed("handoff_requests.callback_phone"))

    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        open_request_unique("uq_handoff_requests_open", "conversation_id"),
    )


class AuditLog(Base):
    """Who read which person's record, when, through which channel and conversation, and why."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)
    channel = Column(String(32), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    person_id = Column(Integer, ForeignKey("persons.id"), index=True)
    action = Column(String(32), nullable=False)
    purpose = Column(String(100), nullable=False)


class StaffAccount(Base):
    """A user of the staff console: a hotline agent (坐席) or a supervisor (主管)."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(40), nullable=False)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))
    last_login_at = Column(DateTime(timezone=True))
    created_at = created_column()
    updated_at = updated_column()

    __table_args__ = (CheckConstraint("role IN ('agent', 'supervisor')", name="role"),)


class StaffSession(Base):
    """A signed-in console session; only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    account_id = Column(Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = created_column()
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ContactRecord(Base):
    """One call or human handoff handled in the console, its event log and the agent's summary (话后小结)."""

    __tablename__ = "contact_records"

    id = Column(Integer, primary_key=True)
    reference = Column(String(24), unique=True)  # set from the row id right after insert
    account_id = Column(Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="call")
    channel = Column(String(32), nullable=False, default="phone")
    conversation_id = Column(String(128), index=True)
    handoff_reference = Column(String(24), index=True)
    person_id = Column(Integer, ForeignKey("persons.id"), index=True)
    caller_type = Column(String(32))
    status = Column(String(16), nullable=False, default="open")
    events = Column(Text, nullable=False, default="[]")
    summary = Column(Text)
    follow_up = Column(Text)
    started_at = created_column()
    ended_at = Column(DateTime(timezone=True))
    saved_at = Column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("kind IN ('call', 'handoff')", name="kind"),
        CheckConstraint("status IN ('open', 'ended', 'saved')", name="status"),
    )


class HandoffAssignment(Base):
    """Which agent took a handoff request, and when it was handed back to the bot."""

    __tablename__ = "handoff_assignments"

    id = Column(Integer, primary_key=True)
    handoff_reference = Column(String(24), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    account_id = Column(Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True)
    contact_id = Column(Integer, ForeignKey("contact_records.id"))
    status = Column(String(16), nullable=False, default="active")
    taken_at = created_column()
    closed_at = Column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("status IN ('active', 'closed')", name="status"),)


class HandoffMessage(Base):
    """An agent's reply to a handed-over user, until the channel has delivered it."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    account_id = Column(Integer, ForeignKey("staff_accounts.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = created_column()
    delivered_at = Column(DateTime(timezone=True))


class IdentityLimit(Base):
    """Identity-proof attempts per subject (ID number, credit code) or per channel user, across conversations.

    ``key_hash`` is a keyed hash (:mod:`bot.crypto`), never the value. Kept in the database so that neither a
    new conversation, a new sender, ``/restart`` nor a restart of the servers resets it.
    """

    __tablename__ = "identity_limits"
    __table_args__ = (UniqueConstraint("scope", "key_hash"),)

    id = Column(Integer, primary_key=True)
    scope = Column(String(16), nullable=False)  # person | organisation | sender
    key_hash = Column(String(64), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    window_started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    locked_until = Column(DateTime(timezone=True))
    updated_at = updated_column()


class IdentityAttempt(Base):
    """One attempt to prove an identity (audit trail, and the server-side record of a successful proof)."""

    __tablename__ = "identity_attempts"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    scope = Column(String(16), nullable=False)  # person | organisation
    subject_hash = Column(String(64), nullable=False)
    channel = Column(String(32), nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    purpose = Column(String(100), nullable=False)
    method = Column(String(16), nullable=False)  # phone | last4 | sms_code | registration
    outcome = Column(String(16), nullable=False)  # ok | failed | error | locked | busy


class IdentityCode(Base):
    """A one-time code sent by SMS to the phone on record (bot.cases.one_time_codes).

    Only a keyed hash of the code, bound to the person and the conversation, is kept; a code is used once.
    """

    __tablename__ = "identity_codes"

    id = Column(Integer, primary_key=True)
    subject_hash = Column(String(64), nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False)
    code_hash = Column(String(64), nullable=False)
    issued_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))

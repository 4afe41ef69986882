""":class:`CaseStore` on a SQL database (SQLite for a single machine, PostgreSQL for production).

One session per unit of work (``with Session.begin():``); nothing is shared between calls except the engine,
so the store can be used from many threads at once. Races on unique keys (two registrations for the same
person at the same moment) end in an ``IntegrityError`` for the loser, whose whole unit of work is then
retried and finds the winner's row. The schema comes from the Alembic migrations (:mod:`bot.cases.admin`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cases import records as rec
from bot.cases import sealed
from bot.cases.errors import (
    CaseRequestRefused,
    IdentityMismatch,
    InvalidRequest,
    OrganisationNotFound,
    ReferenceNotFound,
)
from bot.cases.models import (
    AuditLog,
    Employer,
    HandoffRequest,
    HrAgency,
    JobSeekingRegistration,
    Person,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
    utcnow,
)
from bot.cases.records import AccessContext
from bot.cases.sql_base import build_engine, norm_id, phone_matches
from bot.cases.sql_organisations import SqlOrganisationQueries
from bot.cases.store import CaseStore
from bot.clock import as_utc
from policy_kb.vocabulary import (
    CLOSED_STATUSES,
    REFERENCE_PREFIXES,
)

log = logging.getLogger(__name__)

# Tables whose rows carry a human-readable reference, by reference prefix (and the kind of each table).
_REFERENCED: dict[str, tuple[str, type[Any]]] = {
    REFERENCE_PREFIXES["registration"]: ("registration", JobSeekingRegistration),
    REFERENCE_PREFIXES["transport_request"]: ("transport_request", TransportRequest),
    REFERENCE_PREFIXES["training_enrolment"]: ("training_enrolment", TrainingEnrolment),
    REFERENCE_PREFIXES["subsidy_application"]: ("subsidy_application", SubsidyApplication),
    REFERENCE_PREFIXES["handoff"]: ("handoff", HandoffRequest),
}
_KINDS = {model: kind for kind, model in _REFERENCED.values()}
# Organisations that apply for subsidies: their table and the application's relationship to it.
_ORGANISATION_APPLICANTS: dict[str, tuple[Any, str]] = {
    "employer": (Employer, "applicant_employer"),
    "hr_agency": (HrAgency, "applicant_agency"),
}


__all__ = ["SqlCaseStore", "build_engine"]


def _open_by_reference(session: Session, model: Any, reference: str) -> Any:
    """The still open row of ``model`` with this reference (``ReferenceNotFound`` when none or closed)."""
    row = session.execute(select(model).where(model.reference == reference)).scalar_one_or_none()
    if row is None or row.status in CLOSED_STATUSES:
        raise ReferenceNotFound()
    return row


class SqlCaseStore(SqlOrganisationQueries, CaseStore):
    """The case store on a SQL database reached through SQLAlchemy."""

    # --- persons ------------------------------------------------------------------------------------------

    def find_person(self, id_number: str, *, access: AccessContext) -> rec.PersonRecord | None:
        """See :meth:`CaseStore.find_person`."""

        def unit(session: Session) -> rec.PersonRecord | None:
            person = self._person_by_id_number(session, id_number)
            self._audit(session, access, person.id if person else None, "find_person")
            return self._person_record(person) if person else None

        return self._run(unit)

    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> rec.PersonRecord | None:
        """See :meth:`CaseStore.verify_person`."""
        return self._run(lambda session: self.verify_person_in(session, id_number, phone_or_last4, access=access))

    def verify_person_in(
        self, session: Session, id_number: str, phone_or_last4: str, *, access: AccessContext
    ) -> rec.PersonRecord | None:
        """:meth:`verify_person` inside the caller's transaction on this store's database (the identity guard's)."""
        person = self._person_by_id_number(session, id_number)
        ok = person is not None and phone_matches(person.phone, phone_or_last4)
        self._audit(session, access, person.id if person else None, "verify" if ok else "verify_failed")
        return self._person_record(person) if ok and person else None

    # --- requests by persons ------------------------------------------------------------------------------

    def _save_registration(
        self, person: rec.PersonDetails, request: rec.RegistrationRequest, access: AccessContext
    ) -> tuple[rec.RegistrationRecord, bool]:
        """See :meth:`CaseStore.upsert_registration`."""
        id_number = norm_id(person.id_number)

        def unit(session: Session) -> tuple[rec.RegistrationRecord, bool] | None:
            row = self._person_by_id_number(session, id_number)
            if row is None:
                row = Person(
                    **(dataclasses.asdict(person) | {"id_number": id_number}), received_work_for_training=False
                )
                session.add(row)
                session.flush()  # a concurrent insert of the same person fails here and is retried
            elif row.name != person.name or not phone_matches(row.phone, person.phone):
                self._audit(session, access, row.id, "verify_failed")
                return None
            registration = session.execute(
                select(JobSeekingRegistration).where(JobSeekingRegistration.person_id == row.id)
            ).scalar_one_or_none()
            created = registration is None
            if registration is None:
                registration = JobSeekingRegistration(person_id=row.id)
                session.add(registration)
            for name, value in dataclasses.asdict(request).items():
                setattr(registration, name, value)
            registration.status = "submitted"
            registration.updated_at = utcnow()
            if created:
                self._assign_reference(session, registration, "registration")
            self._audit(session, access, row.id, "registration")
            session.flush()
            return self._registration_record(registration, id_number), created

        result = self._run(unit)
        if result is None:
            raise IdentityMismatch()
        return result

    def _save_ride(
        self, id_number: str, ride: rec.RideRequest, access: AccessContext
    ) -> tuple[rec.TransportRequestRecord, bool]:
        """See :meth:`CaseStore.create_transport_request`."""

        def unit(session: Session) -> tuple[rec.TransportRequestRecord, bool]:
            person = self._require_person(session, id_number)
            self._audit(session, access, person.id, "transport_request")
            row, created = self._open_or_new(session, TransportRequest, person_id=person.id, **dataclasses.asdict(ride))
            return self._transport_record(row, person.id_number), created

        return self._run(unit)

    def _save_training_enrolment(
        self, id_number: str, course: str, access: AccessContext
    ) -> tuple[rec.TrainingEnrolmentRecord, bool]:
        """See :meth:`CaseStore.create_training_enrolment`."""

        def unit(session: Session) -> tuple[rec.TrainingEnrolmentRecord, bool]:
            person = self._require_person(session, id_number)
            self._audit(session, access, person.id, "training_enrolment")
            row, created = self._open_or_new(session, TrainingEnrolment, person_id=person.id, course=course)
            return self._training_record(row, person.id_number), created

        return self._run(unit)

    def _open_or_new(self, session: Session, model: Any, **facts: Any) -> tuple[Any, bool]:
        """The open request of ``model`` with these facts, else a new one (``True``) with its reference."""
        same = [getattr(model, name) == value for name, value in facts.items()]
        existing = session.execute(
            select(model).where(*same, model.status.not_in(CLOSED_STATUSES))
        ).scalar_one_or_none()
        if existing is not None:
            return existing, False
        row = model(status="submitted", **facts)
        session.add(row)
        self._assign_reference(session, row, _KINDS[model])
        return row, True

    def _save_subsidy_application(
        self, applicant: rec.SubsidyApplicant, request: rec.SubsidyRequest, access: AccessContext
    ) -> tuple[rec.SubsidyApplicationRecord, bool]:
        """See :meth:`CaseStore.create_subsidy_application`."""
        clause, amount_yuan, beneficiary_id_number, months = dataclasses.astuple(request)

        def unit(session: Session) -> tuple[rec.SubsidyApplicationRecord, bool]:
            application = SubsidyApplication(clause=clause, amount_yuan=amount_yuan, months=months)
            same = [SubsidyApplication.clause == clause, SubsidyApplication.status.not_in(CLOSED_STATUSES)]
            if applicant.kind == "person":
                person = self._require_person(session, applicant.identifier)
                application.applicant_person = person
                same.append(SubsidyApplication.applicant_person_id == person.id)
                self._audit(session, access, person.id, "subsidy_application")
            elif applicant.kind in _ORGANISATION_APPLICANTS:
                model, relation = _ORGANISATION_APPLICANTS[applicant.kind]
                organisation = session.execute(
                    select(model).where(model.credit_code == applicant.identifier.upper())
                ).scalar_one_or_none()
                if organisation is None:
                    raise OrganisationNotFound()
                setattr(application, relation, organisation)
                same.append(getattr(SubsidyApplication, f"{relation}_id") == organisation.id)
            else:
                raise CaseRequestRefused(detail=f"unknown applicant kind {applicant.kind!r}")
            if beneficiary_id_number:
                beneficiary = self._require_person(session, beneficiary_id_number)
                application.beneficiary = beneficiary
                same.append(SubsidyApplication.beneficiary_person_id == beneficiary.id)
                self._audit(session, access, beneficiary.id, "subsidy_application")
            else:
                same.append(SubsidyApplication.beneficiary_person_id.is_(None))
            existing = session.execute(select(SubsidyApplication).where(*same)).scalars().first()
            if existing is not None:
                return self._subsidy_record(existing), False
            application.status = "submitted"
            session.add(application)
            self._assign_reference(session, application, "subsidy_application")
            return self._subsidy_record(application), True

        return self._run(unit)

    def get_status(self, id_number: str, *, access: AccessContext) -> list[rec.StatusItem]:
        """See :meth:`CaseStore.get_status`."""

        def unit(session: Session) -> list[rec.StatusItem]:
            person = self._person_by_id_number(session, id_number)
            self._audit(session, access, person.id if person else None, "get_status")
            if person is None:
                return []
            items: list[rec.StatusItem] = []
            pid = person.id
            registrations = JobSeekingRegistration
            queries: list[tuple[str, Any]] = [
                ("registration", select(registrations).where(registrations.person_id == pid)),
                ("transport_request", select(TransportRequest).where(TransportRequest.person_id == pid)),
                ("training_enrolment", select(TrainingEnrolment).where(TrainingEnrolment.person_id == pid)),
                (
                    "subsidy_application",
                    select(SubsidyApplication).where(
                        or_(
                            SubsidyApplication.applicant_person_id == person.id,
                            SubsidyApplication.beneficiary_person_id == person.id,
                        )
                    ),
                ),
                ("handoff", select(HandoffRequest).where(HandoffRequest.person_id == person.id)),
            ]  # fmt: skip
            for kind, query in queries:
                items.extend(self._status_item(kind, row) for row in session.execute(query).scalars())
            return sorted(items, key=lambda item: (item.created_at, item.reference))

        return self._run(unit)

    def _save_status(self, reference: str, status: str) -> rec.StatusItem:
        """See :meth:`CaseStore.set_status`."""
        if reference[:2] not in _REFERENCED:
            raise ReferenceNotFound()
        kind, model = _REFERENCED[reference[:2]]

        def unit(session: Session) -> rec.StatusItem:
            row = session.execute(select(model).where(model.reference == reference)).scalar_one_or_none()
            if row is None:
                raise ReferenceNotFound()
            row.status = status
            row.updated_at = utcnow()
            session.flush()
            return self._status_item(kind, row)

        return self._run(unit)

    def _save_departure_date(self, reference: str, departure_date: dt.date, access: AccessContext) -> rec.StatusItem:
        """See :meth:`CaseStore.change_departure_date`."""

        def unit(session: Session) -> rec.StatusItem:
            row = _open_by_reference(session, TransportRequest, reference)
            clash = session.execute(
                select(TransportRequest.id).where(
                    TransportRequest.person_id == row.person_id,
                    TransportRequest.destination == row.destination,
                    TransportRequest.departure_date == departure_date,
                    TransportRequest.id != row.id,
                    TransportRequest.status.not_in(CLOSED_STATUSES),
                )
            ).first()
            if clash is not None:
                raise InvalidRequest("您已经报过这一天去同一个地方的“点对点”出行，不用再改。")
            self._audit(session, access, row.person_id, "transport_change")
            row.departure_date = departure_date
            row.updated_at = utcnow()
            session.flush()
            return self._status_item("transport_request", row)

        return self._run(unit)

    # --- handoff and audit --------------------------------------------------------------------------------

    def _save_handoff_callback(self, reference: str, phone: str) -> rec.HandoffRecord:
        """See :meth:`CaseStore.set_handoff_callback`."""

        def unit(session: Session) -> rec.HandoffRecord:
            row = _open_by_reference(session, HandoffRequest, reference)
            row.callback_phone = phone
            row.updated_at = utcnow()
            session.flush()
            return self._handoff_record(row)

        return self._run(unit)

    def _save_handoff(self, handoff: rec.HandoffAsk) -> rec.HandoffRecord:
        """See :meth:`CaseStore.create_handoff`. An open request of the same conversation is reused."""
        conversation_id, channel, reason, id_number = dataclasses.astuple(handoff)

        def unit(session: Session) -> rec.HandoffRecord:
            person = self._person_by_id_number(session, id_number) if id_number else None
            existing = (
                session.execute(
                    select(HandoffRequest).where(
                        HandoffRequest.conversation_id == conversation_id,
                        HandoffRequest.status.not_in(CLOSED_STATUSES),
                    )
                )
                .scalars()
                .first()
            )
            if existing is not None:
                if person is not None and existing.person_id is None:
                    existing.person_id = person.id
                return self._handoff_record(existing)
            handoff = HandoffRequest(
                conversation_id=conversation_id[:128],
                channel=channel[:32],
                reason=reason[:200],
                person_id=person.id if person else None,
                status="submitted",
            )
            session.add(handoff)
            self._assign_reference(session, handoff, "handoff")
            return self._handoff_record(handoff)

        return self._run(unit)

    def record_audit(self, access: AccessContext, *, id_number: str | None, action: str) -> None:
        """See :meth:`CaseStore.record_audit`."""

        def unit(session: Session) -> None:
            person = self._person_by_id_number(session, id_number) if id_number else None
            self._audit(session, access, person.id if person else None, action)

        self._run(unit)

    def audit_entries(self, id_number: str) -> list[rec.AuditEntry]:
        """See :meth:`CaseStore.audit_entries`."""

        def unit(session: Session) -> list[rec.AuditEntry]:
            rows = session.execute(
                select(AuditLog)
                .join(Person, AuditLog.person_id == Person.id)
                .where(Person.id_number_hash.in_(sealed.id_number_hashes(session.get_bind(), norm_id(id_number))))
                .order_by(AuditLog.at, AuditLog.id)
            ).scalars()
            return [
                rec.AuditEntry(
                    at=as_utc(row.at),
                    actor=row.actor,
                    channel=row.channel,
                    conversation_id=row.conversation_id,
                    purpose=row.purpose,
                    action=row.action,
                )
                for row in rows
            ]

        return self._run(unit)

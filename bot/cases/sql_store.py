""":class:`CaseStore` on a SQL database (SQLite for a single machine, PostgreSQL for production).

One session per unit of work (``with Session.begin():``); nothing is shared between calls except the engine,
so the store can be used from many threads at once. Races on unique keys (two registrations for the same
person at the same moment) end in an ``IntegrityError`` for the loser, whose whole unit of work is then
retried and finds the winner's row. The schema comes from the Alembic migrations (:mod:`bot.cases.admin`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.errors import (
    CaseSystemError,
    CaseSystemUnavailable,
    IdentityMismatch,
    OrganisationNotFound,
    PersonNotFound,
    ReferenceNotFound,
)
from bot.cases.models import (
    AuditLog,
    Employer,
    Employment,
    HandoffRequest,
    HrAgency,
    JobSeekingRegistration,
    Person,
    Placement,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
    utcnow,
)
from bot.cases.records import (
    AccessContext,
    AuditEntry,
    EmployerRecord,
    EmploymentRecord,
    HandoffRecord,
    HrAgencyRecord,
    PersonDetails,
    PersonRecord,
    PlacementRecord,
    RegistrationRecord,
    StatusItem,
    SubsidyApplicant,
    SubsidyApplicationRecord,
    TrainingEnrolmentRecord,
    TransportRequestRecord,
    make_reference,
)
from bot.cases.store import CaseStore
from bot.privacy import mask_id_number
from bot.validation import format_chinese_number
from policy_kb.vocabulary import (
    CLOSED_STATUSES,
    EMPLOYMENT_STATUS_LABELS,
    LOCAL_OR_AWAY_LABELS,
    RECORDED_PERSON_CATEGORIES,
    REFERENCE_PREFIXES,
    STATUS_LABELS,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Tables whose rows carry a human-readable reference, by reference prefix.
_REFERENCED: dict[str, tuple[str, type[Any]]] = {
    REFERENCE_PREFIXES["registration"]: ("registration", JobSeekingRegistration),
    REFERENCE_PREFIXES["transport_request"]: ("transport_request", TransportRequest),
    REFERENCE_PREFIXES["training_enrolment"]: ("training_enrolment", TrainingEnrolment),
    REFERENCE_PREFIXES["subsidy_application"]: ("subsidy_application", SubsidyApplication),
    REFERENCE_PREFIXES["handoff"]: ("handoff", HandoffRequest),
}


def build_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this store relies on (connects lazily).

    SQLite: foreign keys on, and every transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
    writers queue on the busy timeout instead of failing with "database is locked" on a lock upgrade; the
    database file is made readable by its owner only (mode 0600) on the first connection, before anything is
    written to it. Bound parameters (ID numbers, phones) never appear in SQLAlchemy's error messages.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, future=True, hide_parameters=True, connect_args={"timeout": 30, "check_same_thread": False}
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
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, future=True, hide_parameters=True, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes (stored as UTC); PostgreSQL aware ones. Normalise to aware UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _phone_matches(stored: str | None, given: str) -> bool:
    """Compare a full number, or the last four digits, in constant time."""
    if not stored:
        return False
    given = "".join(ch for ch in given if ch.isdigit())
    if len(given) == 4:
        return hmac.compare_digest(stored[-4:], given)
    if len(given) == 11:
        return hmac.compare_digest(stored, given)
    return False


def _norm_id(id_number: str) -> str:
    return id_number.strip().upper()


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class SqlCaseStore(CaseStore):
    """The case store on a SQL database reached through SQLAlchemy."""

    def __init__(
        self,
        url: str,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        max_attempts: int = 8,
        engine: Engine | None = None,
    ) -> None:
        """Prepare the engine (no connection is made yet).

        Args:
            url: SQLAlchemy database URL.
            today: the clock used for the date in references (honours ``ASSISTANT_TODAY`` via settings).
            max_attempts: how often a unit of work is tried when it loses a race on a unique key.
            engine: an engine to use instead of building one from ``url``.
        """
        self._engine = engine or build_engine(url)
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
                    raise CaseSystemError(detail="integrity error") from exc
                log.info("case database: unique-key race, retrying (attempt %d)", attempt)
            except (OperationalError, InterfaceError) as exc:
                log.error("case database unavailable: %s", exc.orig)
                raise CaseSystemUnavailable(detail=type(exc.orig).__name__) from exc
            except SQLAlchemyError as exc:
                log.exception("case database error")
                raise CaseSystemError(detail=type(exc).__name__) from exc
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
        return session.execute(select(Person).where(Person.id_number == _norm_id(id_number))).scalar_one_or_none()

    def _require_person(self, session: Session, id_number: str) -> Person:
        person = self._person_by_id_number(session, id_number)
        if person is None:
            raise PersonNotFound()
        return person

    # --- conversions --------------------------------------------------------------------------------------

    @staticmethod
    def _person_record(p: Person) -> PersonRecord:
        return PersonRecord(
            id_number=p.id_number,
            name=p.name,
            phone=p.phone,
            category=p.category,
            employment_status=p.employment_status,
            county=p.county,
            township=p.township,
            origin_province=p.origin_province,
            origin_county=p.origin_county,
            received_work_for_training=bool(p.received_work_for_training),
        )

    @staticmethod
    def _registration_record(r: JobSeekingRegistration, id_number: str) -> RegistrationRecord:
        return RegistrationRecord(
            reference=r.reference,
            id_number=id_number,
            work_wanted=r.work_wanted,
            local_or_away=r.local_or_away,
            needs_transport=bool(r.needs_transport),
            wants_training=bool(r.wants_training),
            status=r.status,
            created_at=_aware(r.created_at),
            updated_at=_aware(r.updated_at),
        )

    @staticmethod
    def _transport_record(t: TransportRequest, id_number: str) -> TransportRequestRecord:
        return TransportRequestRecord(
            reference=t.reference,
            id_number=id_number,
            destination=t.destination,
            departure_date=t.departure_date,
            party_size=t.party_size,
            status=t.status,
            created_at=_aware(t.created_at),
        )

    @staticmethod
    def _training_record(t: TrainingEnrolment, id_number: str) -> TrainingEnrolmentRecord:
        return TrainingEnrolmentRecord(
            reference=t.reference,
            id_number=id_number,
            course=t.course,
            status=t.status,
            created_at=_aware(t.created_at),
        )

    @staticmethod
    def _subsidy_record(a: SubsidyApplication) -> SubsidyApplicationRecord:
        if a.applicant_person is not None:
            kind, identifier = "person", a.applicant_person.id_number
        elif a.applicant_employer is not None:
            kind, identifier = "employer", a.applicant_employer.credit_code
        else:
            kind, identifier = "hr_agency", a.applicant_agency.credit_code
        return SubsidyApplicationRecord(
            reference=a.reference,
            applicant_kind=kind,
            applicant_identifier=identifier,
            clause=a.clause,
            amount_yuan=a.amount_yuan,
            status=a.status,
            created_at=_aware(a.created_at),
            beneficiary_id_number=a.beneficiary.id_number if a.beneficiary is not None else None,
            months=a.months,
        )

    @staticmethod
    def _handoff_record(h: HandoffRequest) -> HandoffRecord:
        return HandoffRecord(
            reference=h.reference,
            conversation_id=h.conversation_id,
            channel=h.channel,
            reason=h.reason,
            status=h.status,
            created_at=_aware(h.created_at),
        )

    @staticmethod
    def _status_item(kind: str, row: Any) -> StatusItem:
        if kind == "registration":
            summary = f"求职意向：{row.work_wanted}，{LOCAL_OR_AWAY_LABELS.get(row.local_or_away, '')}"
        elif kind == "transport_request":
            summary = f"{_chinese_date(row.departure_date)}前往{row.destination}，{row.party_size} 人"
        elif kind == "training_enrolment":
            summary = f"培训项目：{row.course}"
        elif kind == "subsidy_application":
            summary = f"依据政策第（{format_chinese_number(row.clause)}）条，金额 {row.amount_yuan} 元"
            if row.beneficiary is not None:
                summary += f"，涉及人员 {mask_id_number(row.beneficiary.id_number)}"
        else:
            summary = f"原因：{row.reason}"
        return StatusItem(
            kind=kind,
            reference=row.reference,
            status=row.status,
            summary=summary,
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
        )

    # --- persons ------------------------------------------------------------------------------------------

    def find_person(self, id_number: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.find_person`."""

        def unit(session: Session) -> PersonRecord | None:
            person = self._person_by_id_number(session, id_number)
            self._audit(session, access, person.id if person else None, "find_person")
            return self._person_record(person) if person else None

        return self._run(unit)

    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.verify_person`."""

        def unit(session: Session) -> PersonRecord | None:
            person = self._person_by_id_number(session, id_number)
            ok = person is not None and _phone_matches(person.phone, phone_or_last4)
            self._audit(session, access, person.id if person else None, "verify" if ok else "verify_failed")
            return self._person_record(person) if ok and person else None

        return self._run(unit)

    # --- requests by persons ------------------------------------------------------------------------------

    def upsert_registration(
        self,
        person: PersonDetails,
        *,
        work_wanted: str,
        local_or_away: str,
        needs_transport: bool,
        wants_training: bool,
        access: AccessContext,
    ) -> tuple[RegistrationRecord, bool]:
        """See :meth:`CaseStore.upsert_registration`."""
        if local_or_away not in LOCAL_OR_AWAY_LABELS:
            raise CaseSystemError("就业意向只能是“就地就近就业”或“外出务工”。")
        if person.category not in RECORDED_PERSON_CATEGORIES:
            raise CaseSystemError("人员类别不正确。")
        if person.employment_status not in EMPLOYMENT_STATUS_LABELS:
            raise CaseSystemError("就业状态不正确。")
        id_number = _norm_id(person.id_number)

        def unit(session: Session) -> tuple[RegistrationRecord, bool] | None:
            row = self._person_by_id_number(session, id_number)
            if row is None:
                row = Person(
                    id_number=id_number,
                    name=person.name,
                    phone=person.phone,
                    county=person.county,
                    township=person.township,
                    origin_province=person.origin_province,
                    origin_county=person.origin_county,
                    category=person.category,
                    employment_status=person.employment_status,
                    received_work_for_training=False,
                )
                session.add(row)
                session.flush()  # a concurrent insert of the same person fails here and is retried
            elif row.name != person.name or not _phone_matches(row.phone, person.phone):
                self._audit(session, access, row.id, "verify_failed")
                return None
            registration = session.execute(
                select(JobSeekingRegistration).where(JobSeekingRegistration.person_id == row.id)
            ).scalar_one_or_none()
            created = registration is None
            if registration is None:
                registration = JobSeekingRegistration(person_id=row.id)
                session.add(registration)
            registration.work_wanted = work_wanted
            registration.local_or_away = local_or_away
            registration.needs_transport = needs_transport
            registration.wants_training = wants_training
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

    def create_transport_request(
        self,
        id_number: str,
        *,
        destination: str,
        departure_date: dt.date,
        party_size: int,
        access: AccessContext,
    ) -> tuple[TransportRequestRecord, bool]:
        """See :meth:`CaseStore.create_transport_request`."""
        if party_size < 1:
            raise CaseSystemError("出行人数至少为 1 人。")

        def unit(session: Session) -> tuple[TransportRequestRecord, bool]:
            person = self._require_person(session, id_number)
            self._audit(session, access, person.id, "transport_request")
            existing = session.execute(
                select(TransportRequest).where(
                    TransportRequest.person_id == person.id,
                    TransportRequest.destination == destination,
                    TransportRequest.departure_date == departure_date,
                    TransportRequest.status.not_in(CLOSED_STATUSES),
                )
            ).scalar_one_or_none()
            if existing is not None:
                return self._transport_record(existing, person.id_number), False
            request = TransportRequest(
                person_id=person.id,
                destination=destination,
                departure_date=departure_date,
                party_size=party_size,
                status="submitted",
            )
            session.add(request)
            self._assign_reference(session, request, "transport_request")
            return self._transport_record(request, person.id_number), True

        return self._run(unit)

    def create_training_enrolment(
        self, id_number: str, *, course: str, access: AccessContext
    ) -> tuple[TrainingEnrolmentRecord, bool]:
        """See :meth:`CaseStore.create_training_enrolment`."""

        def unit(session: Session) -> tuple[TrainingEnrolmentRecord, bool]:
            person = self._require_person(session, id_number)
            self._audit(session, access, person.id, "training_enrolment")
            existing = session.execute(
                select(TrainingEnrolment).where(
                    TrainingEnrolment.person_id == person.id,
                    TrainingEnrolment.course == course,
                    TrainingEnrolment.status.not_in(CLOSED_STATUSES),
                )
            ).scalar_one_or_none()
            if existing is not None:
                return self._training_record(existing, person.id_number), False
            enrolment = TrainingEnrolment(person_id=person.id, course=course, status="submitted")
            session.add(enrolment)
            self._assign_reference(session, enrolment, "training_enrolment")
            return self._training_record(enrolment, person.id_number), True

        return self._run(unit)

    def create_subsidy_application(
        self,
        applicant: SubsidyApplicant,
        *,
        clause: int,
        amount_yuan: int,
        access: AccessContext,
        beneficiary_id_number: str | None = None,
        months: int | None = None,
    ) -> tuple[SubsidyApplicationRecord, bool]:
        """See :meth:`CaseStore.create_subsidy_application`."""
        if amount_yuan < 0 or not 1 <= clause <= 16:
            raise CaseSystemError("补贴申请的条款或金额不正确。")

        def unit(session: Session) -> tuple[SubsidyApplicationRecord, bool]:
            application = SubsidyApplication(clause=clause, amount_yuan=amount_yuan, months=months)
            same = [SubsidyApplication.clause == clause, SubsidyApplication.status.not_in(CLOSED_STATUSES)]
            if applicant.kind == "person":
                person = self._require_person(session, applicant.identifier)
                application.applicant_person = person
                same.append(SubsidyApplication.applicant_person_id == person.id)
                self._audit(session, access, person.id, "subsidy_application")
            elif applicant.kind == "employer":
                employer = session.execute(
                    select(Employer).where(Employer.credit_code == applicant.identifier.upper())
                ).scalar_one_or_none()
                if employer is None:
                    raise OrganisationNotFound()
                application.applicant_employer = employer
                same.append(SubsidyApplication.applicant_employer_id == employer.id)
            elif applicant.kind == "hr_agency":
                agency = session.execute(
                    select(HrAgency).where(HrAgency.credit_code == applicant.identifier.upper())
                ).scalar_one_or_none()
                if agency is None:
                    raise OrganisationNotFound()
                application.applicant_agency = agency
                same.append(SubsidyApplication.applicant_agency_id == agency.id)
            else:
                raise CaseSystemError(detail=f"unknown applicant kind {applicant.kind!r}")
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

    def get_status(self, id_number: str, *, access: AccessContext) -> list[StatusItem]:
        """See :meth:`CaseStore.get_status`."""

        def unit(session: Session) -> list[StatusItem]:
            person = self._person_by_id_number(session, id_number)
            self._audit(session, access, person.id if person else None, "get_status")
            if person is None:
                return []
            items: list[StatusItem] = []
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

    def get_organisation_status(self, credit_code: str) -> list[StatusItem]:
        """See :meth:`CaseStore.get_organisation_status`."""
        code = credit_code.strip().upper()

        def unit(session: Session) -> list[StatusItem]:
            query = (
                select(SubsidyApplication)
                .outerjoin(Employer, SubsidyApplication.applicant_employer_id == Employer.id)
                .outerjoin(HrAgency, SubsidyApplication.applicant_agency_id == HrAgency.id)
                .where(or_(Employer.credit_code == code, HrAgency.credit_code == code))
                .order_by(SubsidyApplication.created_at, SubsidyApplication.id)
            )
            return [self._status_item("subsidy_application", row) for row in session.execute(query).scalars()]

        return self._run(unit)

    def set_status(self, reference: str, status: str) -> StatusItem:
        """See :meth:`CaseStore.set_status`."""
        if status not in STATUS_LABELS:
            raise CaseSystemError(f"未知的状态：{status}")
        reference = reference.strip().upper()
        kind, model = _REFERENCED.get(reference[:2], (None, None))
        if model is None:
            raise ReferenceNotFound()

        def unit(session: Session) -> StatusItem:
            row = session.execute(select(model).where(model.reference == reference)).scalar_one_or_none()
            if row is None:
                raise ReferenceNotFound()
            row.status = status
            row.updated_at = utcnow()
            session.flush()
            return self._status_item(kind, row)

        return self._run(unit)

    # --- organisations ------------------------------------------------------------------------------------

    def _find_org(self, model: type[Any], credit_code: str) -> Any:
        def unit(session: Session) -> Any:
            row = session.execute(
                select(model).where(model.credit_code == credit_code.strip().upper())
            ).scalar_one_or_none()
            if row is None:
                return None
            if model is Employer:
                return EmployerRecord(row.credit_code, row.name, row.kind, row.county, row.contact_phone)
            return HrAgencyRecord(row.credit_code, row.name, row.county, row.contact_phone)

        return self._run(unit)

    def find_employer(self, credit_code: str) -> EmployerRecord | None:
        """See :meth:`CaseStore.find_employer`."""
        return self._find_org(Employer, credit_code)

    def verify_employer(self, credit_code: str, phone: str) -> EmployerRecord | None:
        """See :meth:`CaseStore.verify_employer`."""
        employer = self.find_employer(credit_code)
        return employer if employer and _phone_matches(employer.contact_phone, phone) else None

    def find_hr_agency(self, credit_code: str) -> HrAgencyRecord | None:
        """See :meth:`CaseStore.find_hr_agency`."""
        return self._find_org(HrAgency, credit_code)

    def verify_hr_agency(self, credit_code: str, phone: str) -> HrAgencyRecord | None:
        """See :meth:`CaseStore.verify_hr_agency`."""
        agency = self.find_hr_agency(credit_code)
        return agency if agency and _phone_matches(agency.contact_phone, phone) else None

    def list_employments(self, credit_code: str, *, access: AccessContext) -> list[EmploymentRecord]:
        """See :meth:`CaseStore.list_employments`."""

        def unit(session: Session) -> list[EmploymentRecord]:
            rows = session.execute(
                select(Employment, Person)
                .join(Employer, Employment.employer_id == Employer.id)
                .join(Person, Employment.person_id == Person.id)
                .where(Employer.credit_code == credit_code.strip().upper())
                .order_by(Employment.start_date, Employment.id)
            ).all()
            records = []
            for employment, person in rows:
                self._audit(session, access, person.id, "list_employments")
                records.append(
                    EmploymentRecord(
                        employer_credit_code=credit_code.strip().upper(),
                        id_number=person.id_number,
                        person_name=person.name,
                        category=person.category,
                        start_date=employment.start_date,
                        contract_months=employment.contract_months,
                        with_work_for_training=bool(employment.with_work_for_training),
                        received_work_for_training=bool(person.received_work_for_training),
                    )
                )
            return records

        return self._run(unit)

    def list_placements(self, credit_code: str, *, access: AccessContext) -> list[PlacementRecord]:
        """See :meth:`CaseStore.list_placements`."""

        def unit(session: Session) -> list[PlacementRecord]:
            rows = session.execute(
                select(Placement, Person)
                .join(HrAgency, Placement.agency_id == HrAgency.id)
                .join(Person, Placement.person_id == Person.id)
                .where(HrAgency.credit_code == credit_code.strip().upper())
                .order_by(Placement.start_date, Placement.id)
            ).all()
            records = []
            for placement, person in rows:
                self._audit(session, access, person.id, "list_placements")
                records.append(
                    PlacementRecord(
                        agency_credit_code=credit_code.strip().upper(),
                        id_number=person.id_number,
                        person_name=person.name,
                        category=person.category,
                        destination_province=placement.destination_province,
                        destination_county=placement.destination_county,
                        outside_home_county=bool(placement.outside_home_county),
                        contract_months=placement.contract_months,
                        start_date=placement.start_date,
                    )
                )
            return records

        return self._run(unit)

    # --- handoff and audit --------------------------------------------------------------------------------

    def create_handoff(
        self,
        *,
        conversation_id: str,
        channel: str,
        reason: str,
        id_number: str | None = None,
    ) -> HandoffRecord:
        """See :meth:`CaseStore.create_handoff`. An open request of the same conversation is reused."""

        def unit(session: Session) -> HandoffRecord:
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

    def audit_entries(self, id_number: str) -> list[AuditEntry]:
        """See :meth:`CaseStore.audit_entries`."""

        def unit(session: Session) -> list[AuditEntry]:
            rows = session.execute(
                select(AuditLog)
                .join(Person, AuditLog.person_id == Person.id)
                .where(Person.id_number == _norm_id(id_number))
                .order_by(AuditLog.at, AuditLog.id)
            ).scalars()
            return [
                AuditEntry(
                    at=_aware(row.at),
                    actor=row.actor,
                    channel=row.channel,
                    conversation_id=row.conversation_id,
                    purpose=row.purpose,
                    action=row.action,
                )
                for row in rows
            ]

        return self._run(unit)

"""The case-system interface the assistant talks to (:func:`bot.cases.make_store` picks an implementation).

Two implementations return the same records (:mod:`bot.cases.records`):

* :class:`bot.cases.sql_store.SqlCaseStore` — a local SQLite/PostgreSQL database (``CASE_DB_URL``);
* :class:`bot.cases.http_store.HttpCaseStore` — a remote case system's HTTP JSON API (``CASE_API_URL``).

All methods block (database or network); call them from ``async`` code through ``asyncio.to_thread``.
Every method that reads a person's record takes an :class:`~bot.cases.records.AccessContext` and leaves an
entry in the audit log. Failures raise :class:`~bot.cases.errors.CaseStoreError` subclasses whose
``user_message`` can be shown as is.
"""

from __future__ import annotations

import abc
import datetime as dt
from typing import Any

from bot.cases import integrity
from bot.cases.records import (
    AccessContext,
    AuditEntry,
    EmployerRecord,
    EmploymentRecord,
    HandoffAsk,
    HandoffRecord,
    HrAgencyRecord,
    PersonDetails,
    PersonRecord,
    PlacementRecord,
    RegistrationRecord,
    RegistrationRequest,
    RideRequest,
    StatusItem,
    SubsidyApplicant,
    SubsidyApplicationRecord,
    SubsidyRequest,
    TrainingEnrolmentRecord,
    TransportRequestRecord,
)


class CaseStore(abc.ABC):
    """Persons, organisations, requests and applications of the employment-assistance case system."""

    # --- persons ----------------------------------------------------------------------------------------

    @abc.abstractmethod
    def find_person(self, id_number: str, *, access: AccessContext) -> PersonRecord | None:
        """The person with this ID number, or ``None``. Audited."""

    @abc.abstractmethod
    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> PersonRecord | None:
        """The person when the ID number and the phone (11 digits, or its last 4) match; else ``None``.

        ``None`` is returned for an unknown ID number and for a wrong phone alike, so the answer never
        reveals whether a record exists. Audited, including failed attempts.
        """

    # --- requests by persons ----------------------------------------------------------------------------

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
        """Create or update the person's job-seeking registration, in one transaction.

        An unknown person is created from ``person``. A known person must match on name and phone, else
        :class:`~bot.cases.errors.IdentityMismatch`; their stored details are not changed. A person has one
        registration: registering again updates it (and sets it back to ``submitted``).

        Returns:
            The registration and ``True`` when it was created, ``False`` when an existing one was updated.
        """
        request = RegistrationRequest(work_wanted, local_or_away, needs_transport, wants_training)
        integrity.check_registration(person, request)
        return self._save_registration(person, request, access)

    def create_transport_request(
        self,
        id_number: str,
        *,
        destination: str,
        departure_date: dt.date,
        party_size: int,
        access: AccessContext,
    ) -> tuple[TransportRequestRecord, bool]:
        """Request the “点对点” ride (clause 13). The person must be known (else ``PersonNotFound``).

        An open request for the same destination and date is returned instead of a duplicate.

        Returns:
            The request and whether it was created.
        """
        request = RideRequest(destination, departure_date, party_size)
        integrity.check_ride(request)
        return self._save_ride(id_number, request, access)

    def create_training_enrolment(
        self, id_number: str, *, course: str, access: AccessContext
    ) -> tuple[TrainingEnrolmentRecord, bool]:
        """Enrol the person in a training course (clause 14); reuses an open enrolment in the same course."""
        integrity.check_training_enrolment(course)
        return self._save_training_enrolment(id_number, course, access)

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
        """File a subsidy application; eligibility is decided by the caller, not here.

        An open application by the same applicant, under the same clause, for the same beneficiary is
        returned instead of a duplicate. Unknown applicants or beneficiaries raise ``PersonNotFound`` or
        ``OrganisationNotFound``.
        """
        request = SubsidyRequest(clause, amount_yuan, beneficiary_id_number, months)
        integrity.check_subsidy_application(applicant, request)
        return self._save_subsidy_application(applicant, request, access)

    @abc.abstractmethod
    def get_status(self, id_number: str, *, access: AccessContext) -> list[StatusItem]:
        """Registration, requests and applications concerning the person, oldest first. Audited."""

    @abc.abstractmethod
    def get_organisation_status(self, credit_code: str) -> list[StatusItem]:
        """Subsidy applications filed by the employer or HR agency with this credit code, oldest first."""

    def set_status(self, reference: str, status: str) -> StatusItem:
        """Change the status of a registration, request or application (case workers' side).

        Raises:
            ReferenceNotFound: no item has this reference.
            InvalidRequest: the status code is unknown.
        """
        integrity.check_status(status)
        return self._save_status(reference.strip().upper(), status)

    def change_departure_date(self, reference: str, departure_date: dt.date, *, access: AccessContext) -> StatusItem:
        """Move an open “点对点” request to another day (its verified owner asked for it in the chat).

        Raises:
            ReferenceNotFound: no open transport request has this reference.
            InvalidRequest: the person already has an open request to the same place on that day.
        """
        return self._save_departure_date(reference.strip().upper(), departure_date, access)

    # --- organisations: employers (kind ``employer``) and HR agencies (kind ``hr_agency``) -----------------

    def find_employer(self, credit_code: str) -> EmployerRecord | None:
        """The employer with this unified social credit code, or ``None``."""
        return self._organisation("employer", credit_code)

    def find_hr_agency(self, credit_code: str) -> HrAgencyRecord | None:
        """The HR agency with this unified social credit code, or ``None``."""
        return self._organisation("hr_agency", credit_code)

    def verify_employer(self, credit_code: str, phone: str) -> EmployerRecord | None:
        """The employer when the code and contact phone (11 digits or the last 4) match; else ``None``."""
        return self._organisation("employer", credit_code, phone)

    def verify_hr_agency(self, credit_code: str, phone: str) -> HrAgencyRecord | None:
        """The HR agency when the code and contact phone (11 digits or the last 4) match; else ``None``."""
        return self._organisation("hr_agency", credit_code, phone)

    def list_employments(self, credit_code: str, *, access: AccessContext) -> list[EmploymentRecord]:
        """People employed by the employer (for 以工代训 subsidies). Audited for each person."""
        return self._people_of("employer", credit_code, access)

    def list_placements(self, credit_code: str, *, access: AccessContext) -> list[PlacementRecord]:
        """People placed by the HR agency (for the clause-12 subsidy). Audited for each person."""
        return self._people_of("hr_agency", credit_code, access)

    # --- handoff and audit ------------------------------------------------------------------------------

    def create_handoff(
        self, *, conversation_id: str, channel: str, reason: str, id_number: str | None = None
    ) -> HandoffRecord:
        """Ask a person of the employment service to take over the conversation (转人工)."""
        return self._save_handoff(HandoffAsk(conversation_id, channel, reason, id_number))

    def set_handoff_callback(self, reference: str, phone: str) -> HandoffRecord:
        """Attach the number an anonymous user left for a call back to their open handoff request.

        Raises:
            ReferenceNotFound: no open handoff request has this reference.
            InvalidRequest: the number is not a mobile number.
        """
        integrity.check_phone(phone)
        return self._save_handoff_callback(reference.strip().upper(), phone)

    @abc.abstractmethod
    def record_audit(self, access: AccessContext, *, id_number: str | None, action: str) -> None:
        """Write one audit-log entry (for reads that happen outside this interface)."""

    @abc.abstractmethod
    def audit_entries(self, id_number: str) -> list[AuditEntry]:
        """Audit-log entries about the person, oldest first (for the person's own enquiry and for review)."""

    def verify_organisation(
        self, credit_code: str, phone: str, *, access: AccessContext | None = None
    ) -> EmployerRecord | HrAgencyRecord | None:
        """The employer or HR agency with this code and contact phone; one identity attempt (see the guard)."""
        return self.verify_employer(credit_code, phone) or self.verify_hr_agency(credit_code, phone)

    def identity_attempts_left(self, scope: str, subject: str) -> int | None:
        """Identity attempts ``subject`` has left, when a guard counts them (``None`` otherwise)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing to release
        """Release connections; the store must not be used afterwards."""

    # --- what each store implements (the public methods above have checked the arguments) ---------------

    @abc.abstractmethod
    def _save_registration(
        self, person: PersonDetails, request: RegistrationRequest, access: AccessContext
    ) -> tuple[RegistrationRecord, bool]: ...

    @abc.abstractmethod
    def _save_status(self, reference: str, status: str) -> StatusItem: ...

    @abc.abstractmethod
    def _save_handoff_callback(self, reference: str, phone: str) -> HandoffRecord: ...

    @abc.abstractmethod
    def _save_departure_date(self, reference: str, departure_date: dt.date, access: AccessContext) -> StatusItem: ...

    @abc.abstractmethod
    def _save_ride(
        self, id_number: str, request: RideRequest, access: AccessContext
    ) -> tuple[TransportRequestRecord, bool]: ...

    @abc.abstractmethod
    def _save_handoff(self, handoff: HandoffAsk) -> HandoffRecord: ...

    @abc.abstractmethod
    def _save_training_enrolment(
        self, id_number: str, course: str, access: AccessContext
    ) -> tuple[TrainingEnrolmentRecord, bool]: ...

    @abc.abstractmethod
    def _organisation(self, kind: str, credit_code: str, phone: str | None = None) -> Any:
        """The organisation of ``kind`` with this code (and this contact phone, when given), or ``None``."""

    @abc.abstractmethod
    def _save_subsidy_application(
        self, applicant: SubsidyApplicant, request: SubsidyRequest, access: AccessContext
    ) -> tuple[SubsidyApplicationRecord, bool]: ...

    @abc.abstractmethod
    def _people_of(self, kind: str, credit_code: str, access: AccessContext) -> list[Any]:
        """The employments or placements of the organisation, each person's read audited."""

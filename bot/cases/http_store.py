""":class:`CaseStore` over a remote case system's HTTP JSON API.

The API (all bodies JSON, UTF-8; records as in :func:`bot.cases.records.to_json`, dates ISO 8601)::

    POST /persons/verify                {id_number, phone_or_last4}     200 {person} | 404
    POST /persons/lookup                {id_number}                     200 {person} | 404
    POST /persons/status                {id_number}                     200 {items: [StatusItem]}
    POST /persons/audit                 {id_number}                     200 {entries: [AuditEntry]}
    PUT  /registrations                 {person: PersonDetails, work_wanted, local_or_away,
                                         needs_transport, wants_training}
                                                                        201|200 {registration, created}
    POST /transport-requests            {id_number, destination, departure_date, party_size}
                                                                        201|200 {transport_request, created}
    POST /training-enrolments           {id_number, course}             201|200 {training_enrolment, created}
    POST /subsidy-applications          {applicant: {kind, identifier}, clause, amount_yuan,
                                         beneficiary_id_number, months} 201|200 {subsidy_application, created}
    GET  /organisations/{code}/status                                   200 {items: [StatusItem]}
    PUT  /statuses/{reference}          {status}                        200 {item: StatusItem}
    GET  /employers/{code}                                              200 {employer} | 404
    POST /employers/verify              {credit_code, phone}            200 {employer} | 404
    GET  /employers/{code}/employments                                  200 {employments: [...]}
    GET  /hr-agencies/{code}                                            200 {hr_agency} | 404
    POST /hr-agencies/verify            {credit_code, phone}            200 {hr_agency} | 404
    GET  /hr-agencies/{code}/placements                                 200 {placements: [...]}
    POST /handoffs                      {conversation_id, channel, reason, id_number}
                                                                        201|200 {handoff}
    POST /audit                         {id_number, action}             204

ID numbers travel in request bodies only, never in a URL (URLs end up in the access logs of proxies and
servers); the three reads by ID number are POSTs that change nothing and are retried like GETs.

Every request carries ``Authorization: Bearer <CASE_API_TOKEN>``. Calls that read a person's record also
carry the access context in ``X-Actor``, ``X-Channel``, ``X-Conversation-Id`` and ``X-Purpose``
(percent-encoded UTF-8), and the case system writes its audit log from them. Errors are
``4xx {error, message}`` with ``error`` one of ``person_not_found``, ``identity_mismatch``,
``organisation_not_found``, ``reference_not_found``, ``invalid``; ``message`` is Chinese.

GET and PUT are retried with exponential backoff on connection errors, timeouts and 5xx answers. The POSTs that
create something (transport requests, training enrolments, subsidy applications, handoffs) carry an
``Idempotency-Key`` header, one random key per submission and the same key on every retry: the case system
answers a repeated key with the answer it gave the first time instead of acting again, so these POSTs are
retried too. Other POSTs are never retried (the request may have been carried out), and a POST timeout says
so to the user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from bot.cases import records as rec
from bot.cases.http_client import CaseApiClient, access_headers, new_idempotency_key
from bot.cases.records import AccessContext, from_json, to_json
from bot.cases.store import CaseStore
from bot.settings import Settings

__all__ = ["CaseApiClient", "HttpCaseStore"]


_R = TypeVar("_R")


@dataclass(frozen=True)
class _OrganisationApi:
    """Where the API keeps one kind of organisation, and the records of it and of its people."""

    path: str
    key: str
    record: type[Any]
    people: str
    person_record: type[Any]


_APIS = {
    "employer": _OrganisationApi("/employers", "employer", rec.EmployerRecord, "employments", rec.EmploymentRecord),
    "hr_agency": _OrganisationApi("/hr-agencies", "hr_agency", rec.HrAgencyRecord, "placements", rec.PlacementRecord),
}


def _p(value: str) -> str:
    """Percent-encode a path segment."""
    return quote(value.strip(), safe="")


class HttpCaseStore(CaseStore):
    """The case store backed by the remote case system (see the module docstring for the API)."""

    def __init__(self, client: CaseApiClient) -> None:
        """Use ``client`` for every call."""
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpCaseStore:
        """Build the store from ``CASE_API_URL`` and ``CASE_API_TOKEN``."""
        return cls(CaseApiClient(settings.case_api_url, settings.case_api_token))

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()

    # --- persons ------------------------------------------------------------------------------------------

    def _read_by_id(self, path: str, id_number: str, access: AccessContext | None) -> Any:
        """A read by ID number: a POST with the number in the body (never in the URL), retried like a GET."""
        headers = access_headers(access) if access is not None else None
        _, body = self.client.request(
            "POST", path, json={"id_number": id_number}, headers=headers, not_found_is_none=True, read_only=True
        )
        return body

    def find_person(self, id_number: str, *, access: AccessContext) -> rec.PersonRecord | None:
        """See :meth:`CaseStore.find_person`."""
        body = self._read_by_id("/persons/lookup", id_number, access)
        return from_json(rec.PersonRecord, body["person"]) if body else None

    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> rec.PersonRecord | None:
        """See :meth:`CaseStore.verify_person`."""
        _, body = self.client.request(
            "POST",
            "/persons/verify",
            json={"id_number": id_number, "phone_or_last4": phone_or_last4},
            headers=access_headers(access),
            not_found_is_none=True,
        )
        return from_json(rec.PersonRecord, body["person"]) if body else None

    # --- requests by persons ------------------------------------------------------------------------------

    def _save_registration(
        self, person: rec.PersonDetails, request: rec.RegistrationRequest, access: AccessContext
    ) -> tuple[rec.RegistrationRecord, bool]:
        """See :meth:`CaseStore.upsert_registration` (a PUT, so it is retried safely)."""
        _, body = self.client.request(
            "PUT",
            "/registrations",
            json={"person": to_json(person), **to_json(request)},
            headers=access_headers(access),
            expected=(200, 201),
        )
        return from_json(rec.RegistrationRecord, body["registration"]), bool(body["created"])

    def _create(
        self, path: str, payload: dict[str, Any], access: AccessContext, key: str, record: type[_R]
    ) -> tuple[_R, bool]:
        _, body = self.client.request(
            "POST",
            path,
            json=payload,
            headers=access_headers(access),
            expected=(200, 201),
            idempotency_key=new_idempotency_key(),
        )
        return from_json(record, body[key]), bool(body["created"])

    def _save_ride(
        self, id_number: str, request: rec.RideRequest, access: AccessContext
    ) -> tuple[rec.TransportRequestRecord, bool]:
        """See :meth:`CaseStore.create_transport_request`."""
        payload = {"id_number": id_number, **to_json(request)}
        return self._create("/transport-requests", payload, access, "transport_request", rec.TransportRequestRecord)

    def _save_training_enrolment(
        self, id_number: str, course: str, access: AccessContext
    ) -> tuple[rec.TrainingEnrolmentRecord, bool]:
        """See :meth:`CaseStore.create_training_enrolment`."""
        payload = {"id_number": id_number, "course": course}
        return self._create("/training-enrolments", payload, access, "training_enrolment", rec.TrainingEnrolmentRecord)

    def _save_subsidy_application(
        self, applicant: rec.SubsidyApplicant, request: rec.SubsidyRequest, access: AccessContext
    ) -> tuple[rec.SubsidyApplicationRecord, bool]:
        """See :meth:`CaseStore.create_subsidy_application`."""
        payload = {"applicant": to_json(applicant), **to_json(request)}
        return self._create(
            "/subsidy-applications", payload, access, "subsidy_application", rec.SubsidyApplicationRecord
        )

    def get_status(self, id_number: str, *, access: AccessContext) -> list[rec.StatusItem]:
        """See :meth:`CaseStore.get_status`."""
        body = self._read_by_id("/persons/status", id_number, access)
        return [from_json(rec.StatusItem, item) for item in (body or {}).get("items", [])]

    def get_organisation_status(self, credit_code: str) -> list[rec.StatusItem]:
        """See :meth:`CaseStore.get_organisation_status`."""
        _, body = self.client.request("GET", f"/organisations/{_p(credit_code)}/status", not_found_is_none=True)
        return [from_json(rec.StatusItem, item) for item in (body or {}).get("items", [])]

    def _save_status(self, reference: str, status: str) -> rec.StatusItem:
        """See :meth:`CaseStore.set_status`."""
        _, body = self.client.request("PUT", f"/statuses/{_p(reference)}", json={"status": status})
        return from_json(rec.StatusItem, body["item"])

    def _save_handoff_callback(self, reference: str, phone: str) -> rec.HandoffRecord:
        """See :meth:`CaseStore.set_handoff_callback` (the number in the body, never in the URL)."""
        _, body = self.client.request("PUT", f"/handoffs/{_p(reference)}/callback", json={"phone": phone})
        return from_json(rec.HandoffRecord, body["handoff"])

    def _save_departure_date(self, reference: str, departure_date: dt.date, access: AccessContext) -> rec.StatusItem:
        """See :meth:`CaseStore.change_departure_date`."""
        _, body = self.client.request(
            "PUT",
            f"/transport-requests/{_p(reference)}/departure-date",
            json={"departure_date": departure_date.isoformat()},
            headers=access_headers(access),
        )
        return from_json(rec.StatusItem, body["item"])

    # --- organisations ------------------------------------------------------------------------------------

    def _organisation(self, kind: str, credit_code: str, phone: str | None = None) -> Any:
        """See :meth:`CaseStore._organisation`."""
        api = _APIS[kind]
        if phone is None:
            _, body = self.client.request("GET", f"{api.path}/{_p(credit_code)}", not_found_is_none=True)
        else:
            payload = {"credit_code": credit_code, "phone": phone}
            _, body = self.client.request("POST", f"{api.path}/verify", json=payload, not_found_is_none=True)
        return from_json(api.record, body[api.key]) if body else None

    def _people_of(self, kind: str, credit_code: str, access: AccessContext) -> list[Any]:
        """See :meth:`CaseStore._people_of` (audited on the other side)."""
        api = _APIS[kind]
        _, body = self.client.request(
            "GET", f"{api.path}/{_p(credit_code)}/{api.people}", headers=access_headers(access), not_found_is_none=True
        )
        return [from_json(api.person_record, item) for item in (body or {}).get(api.people, [])]

    # --- handoff and audit --------------------------------------------------------------------------------

    def _save_handoff(self, handoff: rec.HandoffAsk) -> rec.HandoffRecord:
        """See :meth:`CaseStore.create_handoff`."""
        _, body = self.client.request(
            "POST", "/handoffs", json=to_json(handoff), expected=(200, 201), idempotency_key=new_idempotency_key()
        )
        return from_json(rec.HandoffRecord, body["handoff"])

    def record_audit(self, access: AccessContext, *, id_number: str | None, action: str) -> None:
        """See :meth:`CaseStore.record_audit`."""
        self.client.request(
            "POST",
            "/audit",
            json={"id_number": id_number, "action": action},
            headers=access_headers(access),
            expected=(200, 201, 204),
        )

    def audit_entries(self, id_number: str) -> list[rec.AuditEntry]:
        """See :meth:`CaseStore.audit_entries`."""
        body = self._read_by_id("/persons/audit", id_number, None)
        return [from_json(rec.AuditEntry, item) for item in (body or {}).get("entries", [])]

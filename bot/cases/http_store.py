""":class:`CaseStore` over a remote case system's HTTP JSON API.

The API (all bodies JSON, UTF-8; records as in :func:`bot.cases.records.to_json`, dates ISO 8601)::

    POST /persons/verify                {id_number, phone_or_last4}     200 {person} | 404
    GET  /persons/{id_number}                                           200 {person} | 404
    GET  /persons/{id_number}/status                                    200 {items: [StatusItem]}
    GET  /persons/{id_number}/audit                                     200 {entries: [AuditEntry]}
    PUT  /registrations/{id_number}     {person: PersonDetails, work_wanted, local_or_away,
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

Every request carries ``Authorization: Bearer <CASE_API_TOKEN>``. Calls that read a person's record also
carry the access context in ``X-Actor``, ``X-Channel``, ``X-Conversation-Id`` and ``X-Purpose``
(percent-encoded UTF-8), and the case system writes its audit log from them. Errors are
``4xx {error, message}`` with ``error`` one of ``person_not_found``, ``identity_mismatch``,
``organisation_not_found``, ``reference_not_found``, ``invalid``; ``message`` is Chinese.

GET and PUT are retried with exponential backoff on connection errors, timeouts and 5xx answers; POST is never
retried (the request may have been carried out), and a POST timeout says so to the user.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import requests

from bot.cases.errors import (
    CaseSystemError,
    CaseSystemUnavailable,
    IdentityMismatch,
    OrganisationNotFound,
    PersonNotFound,
    ReferenceNotFound,
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
    from_json,
    to_json,
)
from bot.cases.store import CaseStore
from bot.privacy import mask_pii
from bot.settings import Settings

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
_ERRORS: dict[str, type[CaseSystemError]] = {
    "person_not_found": PersonNotFound,
    "identity_mismatch": IdentityMismatch,
    "organisation_not_found": OrganisationNotFound,
    "reference_not_found": ReferenceNotFound,
}
POST_TIMEOUT_MESSAGE = "案件系统没有及时答复，提交可能没有成功。请稍后查询办理进度，或转人工服务。"


def access_headers(access: AccessContext) -> dict[str, str]:
    """The audit headers for ``access`` (percent-encoded so that Chinese purposes survive HTTP)."""
    return {
        "X-Actor": quote(access.actor),
        "X-Channel": quote(access.channel),
        "X-Conversation-Id": quote(access.conversation_id),
        "X-Purpose": quote(access.purpose),
    }


class CaseApiClient:
    """HTTP client of the case system: base URL, token, timeouts, retries, typed errors."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure the client (no connection is made here).

        Args:
            base_url: e.g. ``https://cases.example.gov.cn/api/v1``.
            token: bearer token (``CASE_API_TOKEN``).
            connect_timeout: seconds to establish a connection.
            read_timeout: seconds to wait for the answer.
            max_attempts: tries of an idempotent call (GET/PUT); POST is tried once.
            backoff: first wait between tries; doubled each time.
            session: a ``requests.Session`` to use (default: a new one).
            sleep: the wait function (tests pass a fast one).
        """
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": "jiuye-bangfu-zhushou"})
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Close the underlying HTTP session."""
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expected: Iterable[int] = (200,),
        not_found_is_none: bool = False,
    ) -> tuple[int, Any]:
        """Send one API call; returns ``(status, decoded JSON or None)``.

        Args:
            method: HTTP method; GET/PUT are retried, POST is not.
            path: path below the base URL, already percent-encoded.
            json: request body.
            headers: extra headers.
            expected: statuses that mean success.
            not_found_is_none: return ``(404, None)`` instead of raising on 404.

        Raises:
            CaseSystemUnavailable: no answer (after retries for idempotent calls) or a 5xx answer.
            CaseSystemError: any other unexpected answer (a subclass when the API names the error).
        """
        method = method.upper()
        attempts = self.max_attempts if method in IDEMPOTENT_METHODS else 1
        url = f"{self.base_url}{path}"
        expected = frozenset(expected)
        for attempt in range(1, attempts + 1):
            try:
                response = self._session.request(method, url, json=json, headers=headers, timeout=self.timeout)
            except requests.Timeout as exc:
                log.warning("case API %s %s timed out (attempt %d/%d)", method, mask_pii(path), attempt, attempts)
                if attempt == attempts:
                    message = POST_TIMEOUT_MESSAGE if method not in IDEMPOTENT_METHODS else None
                    raise CaseSystemUnavailable(message, detail="timeout") from exc
            except requests.RequestException as exc:
                log.warning("case API %s %s failed: %s", method, mask_pii(path), type(exc).__name__)
                if attempt == attempts:
                    raise CaseSystemUnavailable(detail=type(exc).__name__) from exc
            else:
                if response.status_code in RETRY_STATUSES and attempt < attempts:
                    log.warning("case API %s %s answered %d, retrying", method, mask_pii(path), response.status_code)
                else:
                    return self._handle(response, method, path, expected, not_found_is_none)
            self._sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _handle(
        response: requests.Response, method: str, path: str, expected: frozenset[int], not_found_is_none: bool
    ) -> tuple[int, Any]:
        status = response.status_code
        if status in expected:
            if status == 204 or not response.content:
                return status, None
            try:
                return status, response.json()
            except ValueError as exc:
                raise CaseSystemError(detail="invalid JSON in answer") from exc
        if status == 404 and not_found_is_none:
            return status, None
        if status >= 500:
            raise CaseSystemUnavailable(detail=f"HTTP {status}")
        if status in (401, 403):
            log.error("case API refused the token (%d) for %s %s", status, method, mask_pii(path))
            raise CaseSystemError(detail=f"HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        error_class = _ERRORS.get(error or "", CaseSystemError)
        if error_class is CaseSystemError:
            log.error("case API %s %s answered %d (%s)", method, mask_pii(path), status, error)
            raise CaseSystemError(message or None, detail=f"HTTP {status} {error}")
        raise error_class(detail=f"HTTP {status}")


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

    def find_person(self, id_number: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.find_person`."""
        _, body = self.client.request(
            "GET", f"/persons/{_p(id_number)}", headers=access_headers(access), not_found_is_none=True
        )
        return from_json(PersonRecord, body["person"]) if body else None

    def verify_person(self, id_number: str, phone_or_last4: str, *, access: AccessContext) -> PersonRecord | None:
        """See :meth:`CaseStore.verify_person`."""
        _, body = self.client.request(
            "POST",
            "/persons/verify",
            json={"id_number": id_number, "phone_or_last4": phone_or_last4},
            headers=access_headers(access),
            not_found_is_none=True,
        )
        return from_json(PersonRecord, body["person"]) if body else None

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
        """See :meth:`CaseStore.upsert_registration` (a PUT, so it is retried safely)."""
        _, body = self.client.request(
            "PUT",
            f"/registrations/{_p(person.id_number)}",
            json={
                "person": to_json(person),
                "work_wanted": work_wanted,
                "local_or_away": local_or_away,
                "needs_transport": needs_transport,
                "wants_training": wants_training,
            },
            headers=access_headers(access),
            expected=(200, 201),
        )
        return from_json(RegistrationRecord, body["registration"]), bool(body["created"])

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
        _, body = self.client.request(
            "POST",
            "/transport-requests",
            json={
                "id_number": id_number,
                "destination": destination,
                "departure_date": departure_date.isoformat(),
                "party_size": party_size,
            },
            headers=access_headers(access),
            expected=(200, 201),
        )
        return from_json(TransportRequestRecord, body["transport_request"]), bool(body["created"])

    def create_training_enrolment(
        self, id_number: str, *, course: str, access: AccessContext
    ) -> tuple[TrainingEnrolmentRecord, bool]:
        """See :meth:`CaseStore.create_training_enrolment`."""
        _, body = self.client.request(
            "POST",
            "/training-enrolments",
            json={"id_number": id_number, "course": course},
            headers=access_headers(access),
            expected=(200, 201),
        )
        return from_json(TrainingEnrolmentRecord, body["training_enrolment"]), bool(body["created"])

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
        _, body = self.client.request(
            "POST",
            "/subsidy-applications",
            json={
                "applicant": to_json(applicant),
                "clause": clause,
                "amount_yuan": amount_yuan,
                "beneficiary_id_number": beneficiary_id_number,
                "months": months,
            },
            headers=access_headers(access),
            expected=(200, 201),
        )
        return from_json(SubsidyApplicationRecord, body["subsidy_application"]), bool(body["created"])

    def get_status(self, id_number: str, *, access: AccessContext) -> list[StatusItem]:
        """See :meth:`CaseStore.get_status`."""
        _, body = self.client.request(
            "GET", f"/persons/{_p(id_number)}/status", headers=access_headers(access), not_found_is_none=True
        )
        return [from_json(StatusItem, item) for item in (body or {}).get("items", [])]

    def get_organisation_status(self, credit_code: str) -> list[StatusItem]:
        """See :meth:`CaseStore.get_organisation_status`."""
        _, body = self.client.request("GET", f"/organisations/{_p(credit_code)}/status", not_found_is_none=True)
        return [from_json(StatusItem, item) for item in (body or {}).get("items", [])]

    def set_status(self, reference: str, status: str) -> StatusItem:
        """See :meth:`CaseStore.set_status`."""
        _, body = self.client.request("PUT", f"/statuses/{_p(reference)}", json={"status": status})
        return from_json(StatusItem, body["item"])

    # --- organisations ------------------------------------------------------------------------------------

    def find_employer(self, credit_code: str) -> EmployerRecord | None:
        """See :meth:`CaseStore.find_employer`."""
        _, body = self.client.request("GET", f"/employers/{_p(credit_code)}", not_found_is_none=True)
        return from_json(EmployerRecord, body["employer"]) if body else None

    def verify_employer(self, credit_code: str, phone: str) -> EmployerRecord | None:
        """See :meth:`CaseStore.verify_employer`."""
        _, body = self.client.request(
            "POST",
            "/employers/verify",
            json={"credit_code": credit_code, "phone": phone},
            not_found_is_none=True,
        )
        return from_json(EmployerRecord, body["employer"]) if body else None

    def list_employments(self, credit_code: str, *, access: AccessContext) -> list[EmploymentRecord]:
        """See :meth:`CaseStore.list_employments`."""
        _, body = self.client.request(
            "GET",
            f"/employers/{_p(credit_code)}/employments",
            headers=access_headers(access),
            not_found_is_none=True,
        )
        return [from_json(EmploymentRecord, item) for item in (body or {}).get("employments", [])]

    def find_hr_agency(self, credit_code: str) -> HrAgencyRecord | None:
        """See :meth:`CaseStore.find_hr_agency`."""
        _, body = self.client.request("GET", f"/hr-agencies/{_p(credit_code)}", not_found_is_none=True)
        return from_json(HrAgencyRecord, body["hr_agency"]) if body else None

    def verify_hr_agency(self, credit_code: str, phone: str) -> HrAgencyRecord | None:
        """See :meth:`CaseStore.verify_hr_agency`."""
        _, body = self.client.request(
            "POST",
            "/hr-agencies/verify",
            json={"credit_code": credit_code, "phone": phone},
            not_found_is_none=True,
        )
        return from_json(HrAgencyRecord, body["hr_agency"]) if body else None

    def list_placements(self, credit_code: str, *, access: AccessContext) -> list[PlacementRecord]:
        """See :meth:`CaseStore.list_placements`."""
        _, body = self.client.request(
            "GET",
            f"/hr-agencies/{_p(credit_code)}/placements",
            headers=access_headers(access),
            not_found_is_none=True,
        )
        return [from_json(PlacementRecord, item) for item in (body or {}).get("placements", [])]

    # --- handoff and audit --------------------------------------------------------------------------------

    def create_handoff(
        self,
        *,
        conversation_id: str,
        channel: str,
        reason: str,
        id_number: str | None = None,
    ) -> HandoffRecord:
        """See :meth:`CaseStore.create_handoff`."""
        _, body = self.client.request(
            "POST",
            "/handoffs",
            json={
                "conversation_id": conversation_id,
                "channel": channel,
                "reason": reason,
                "id_number": id_number,
            },
            expected=(200, 201),
        )
        return from_json(HandoffRecord, body["handoff"])

    def record_audit(self, access: AccessContext, *, id_number: str | None, action: str) -> None:
        """See :meth:`CaseStore.record_audit`."""
        self.client.request(
            "POST",
            "/audit",
            json={"id_number": id_number, "action": action},
            headers=access_headers(access),
            expected=(200, 201, 204),
        )

    def audit_entries(self, id_number: str) -> list[AuditEntry]:
        """See :meth:`CaseStore.audit_entries`."""
        _, body = self.client.request("GET", f"/persons/{_p(id_number)}/audit", not_found_is_none=True)
        return [from_json(AuditEntry, item) for item in (body or {}).get("entries", [])]

"""Plain, immutable records returned by every :class:`~bot.cases.store.CaseStore` implementation.

The SQL and the HTTP store both return these dataclasses, never ORM objects, so callers (Rasa actions, the
eligibility rules) cannot tell which one is behind the interface. The module also holds the JSON conversion
the HTTP API uses; the code lists and their Chinese labels are in :mod:`policy_kb.vocabulary`.

Nothing here touches a database or the network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bot.privacy import mask_id_number, mask_phone
from policy_kb.vocabulary import (
    EMPLOYER_KIND_LABELS,
    EMPLOYMENT_STATUS_LABELS,
    ITEM_KIND_LABELS,
    PERSON_CATEGORY_LABELS,
    REFERENCE_PREFIXES,
    STATUS_LABELS,
    label,
)


def status_label(status: str) -> str:
    """Chinese label of a status code (the code itself when unknown)."""
    return label(STATUS_LABELS, status)


def _shown_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name.endswith("id_number"):
        return mask_id_number(value)
    if name.endswith("phone"):
        return mask_phone(value)
    if name == "person_name":
        return value[:1] + "*"
    return value


class Masked:
    """A record whose repr shows only the fields named in ``_shown``, ID numbers, phones and names masked.

    Records end up in logs and tracebacks; their personal fields must not.
    """

    _shown: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={_shown_value(name, getattr(self, name))!r}" for name in self._shown)
        return f"{type(self).__name__}({shown})"


class HasStatus:
    """A record with a status code and its Chinese label."""

    status: str

    @property
    def status_label(self) -> str:
        """Chinese label of the status."""
        return status_label(self.status)


def make_reference(kind: str, day: dt.date, row_id: int) -> str:
    """Human-readable reference such as ``DJ20261128-000123``.

    The row id makes it unique per table; the date is only there for people reading it.

    Args:
        kind: one of :data:`REFERENCE_PREFIXES`.
        day: the date the request was made.
        row_id: the primary key of the new row.
    """
    return f"{REFERENCE_PREFIXES[kind]}{day:%Y%m%d}-{row_id:06d}"


@dataclass(frozen=True)
class AccessContext:
    """Who reads personal data, through which channel and conversation, and why (goes to the audit log)."""

    conversation_id: str
    channel: str
    purpose: str
    actor: str = "assistant"


@dataclass(frozen=True, repr=False)
class PersonRecord(Masked):
    """A person known to the case system."""

    _shown = ("id_number", "phone", "category", "county")

    id_number: str
    name: str
    phone: str
    category: str = "other"
    employment_status: str = "unemployed"
    county: str | None = None
    township: str | None = None
    origin_province: str | None = None
    origin_county: str | None = None
    received_work_for_training: bool = False

    @property
    def category_label(self) -> str:
        """Official Chinese term of the category."""
        return label(PERSON_CATEGORY_LABELS, self.category)

    @property
    def employment_status_label(self) -> str:
        """Chinese label of the employment status."""
        return label(EMPLOYMENT_STATUS_LABELS, self.employment_status)

    @property
    def masked_id_number(self) -> str:
        """The ID number with the middle hidden, safe to show or log."""
        return mask_id_number(self.id_number)

    def details(self) -> PersonDetails:
        """The person's details as a registration takes them (e.g. registering a known person again)."""
        return PersonDetails(**{field.name: getattr(self, field.name) for field in dataclasses.fields(PersonDetails)})


@dataclass(frozen=True, repr=False)
class OrganisationRecord(Masked):
    """An employer or an HR agency, known by its unified social credit code."""

    _shown = ("credit_code", "name", "contact_phone")

    credit_code: str
    name: str


@dataclass(frozen=True, repr=False)
class EmployerRecord(OrganisationRecord):
    """A production or business entity that employs people (企业、合作社、就业帮扶车间……)."""

    kind: str
    county: str | None = None
    contact_phone: str | None = None

    @property
    def kind_label(self) -> str:
        """Chinese label of the employer kind."""
        return label(EMPLOYER_KIND_LABELS, self.kind)


@dataclass(frozen=True, repr=False)
class HrAgencyRecord(OrganisationRecord):
    """A human-resources service agency that places people in work (有组织劳务输出)."""

    county: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True, repr=False)
class EmploymentRecord(Masked):
    """A person employed by an employer."""

    _shown = ("employer_credit_code", "id_number", "start_date")

    employer_credit_code: str
    id_number: str
    person_name: str
    category: str
    start_date: dt.date
    contract_months: int | None
    with_work_for_training: bool
    received_work_for_training: bool


@dataclass(frozen=True, repr=False)
class PlacementRecord(Masked):
    """A person placed in work by an HR agency."""

    _shown = ("agency_credit_code", "id_number", "start_date")

    agency_credit_code: str
    id_number: str
    person_name: str
    category: str
    destination_province: str | None
    destination_county: str | None
    outside_home_county: bool
    contract_months: int | None
    start_date: dt.date


@dataclass(frozen=True, repr=False)
class PersonDetails(Masked):
    """What a person tells the assistant when registering; used to create the person when unknown."""

    _shown = ("id_number", "phone")

    id_number: str
    name: str
    phone: str
    category: str = "other"
    county: str | None = None
    township: str | None = None
    origin_province: str | None = None
    origin_county: str | None = None
    employment_status: str = "unemployed"


@dataclass(frozen=True, repr=False)
class PersonRequestRecord(HasStatus, Masked):
    """What a person's registration or request starts with: its reference and the person's ID number."""

    _shown = ("reference", "id_number", "status")

    reference: str
    id_number: str


@dataclass(frozen=True, repr=False)
class RegistrationRecord(PersonRequestRecord):
    """The current job-seeking registration (求职登记) of a person."""

    work_wanted: str
    local_or_away: str
    needs_transport: bool
    wants_training: bool
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, repr=False)
class TransportRequestRecord(PersonRequestRecord):
    """A request for the “点对点” ride to work (clause 13)."""

    destination: str
    departure_date: dt.date
    party_size: int
    status: str
    created_at: dt.datetime


@dataclass(frozen=True, repr=False)
class TrainingEnrolmentRecord(PersonRequestRecord):
    """An enrolment in vocational skills training (clause 14)."""

    course: str
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class SubsidyApplicant:
    """Who applies for a subsidy: a person (ID number), an employer or an HR agency (credit code)."""

    kind: str  # a key of policy_kb.vocabulary.APPLICANT_KIND_LABELS
    identifier: str


@dataclass(frozen=True, repr=False)
class SubsidyApplicationRecord(HasStatus):
    """An application for a subsidy under a clause of the policy."""

    reference: str
    applicant_kind: str
    applicant_identifier: str
    clause: int
    amount_yuan: int
    status: str
    created_at: dt.datetime
    beneficiary_id_number: str | None = None
    months: int | None = None

    def __repr__(self) -> str:
        beneficiary = mask_id_number(self.beneficiary_id_number) if self.beneficiary_id_number else None
        applicant = (
            mask_id_number(self.applicant_identifier) if self.applicant_kind == "person" else self.applicant_identifier
        )
        return (
            f"SubsidyApplicationRecord(reference={self.reference!r}, applicant={applicant!r}, "
            f"clause={self.clause}, beneficiary={beneficiary!r}, status={self.status!r})"
        )


@dataclass(frozen=True, repr=False)
class HandoffRecord(HasStatus, Masked):
    """A request to be called back by a person of the public employment service (转人工)."""

    _shown: ClassVar[tuple[str, ...]] = ("reference", "channel", "status", "callback_phone")

    reference: str
    conversation_id: str
    channel: str
    reason: str
    status: str
    created_at: dt.datetime
    callback_phone: str | None = None  # left by an anonymous user who wants a call


@dataclass(frozen=True, repr=False)
class StatusItem(HasStatus, Masked):
    """A registration, request or application concerning a person or an organisation, for a status answer.

    ``kind`` says which facts are filled in: a registration has ``work_wanted`` and ``local_or_away``; a
    transport request ``destination``, ``departure_date`` and ``party_size``; a training enrolment ``course``;
    a subsidy application ``clause``, ``amount_yuan`` and maybe ``beneficiary_id_number``; a handoff
    ``reason``. The wording is built by :mod:`bot.replies`.
    """

    _shown = ("kind", "reference", "status")

    kind: str
    reference: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    work_wanted: str | None = None
    local_or_away: str | None = None
    destination: str | None = None
    departure_date: dt.date | None = None
    party_size: int | None = None
    course: str | None = None
    clause: int | None = None
    amount_yuan: int | None = None
    beneficiary_id_number: str | None = None
    reason: str | None = None

    @property
    def kind_label(self) -> str:
        """Chinese name of the kind of item (求职登记, 补贴申请……)."""
        return label(ITEM_KIND_LABELS, self.kind)


@dataclass(frozen=True)
class AuditEntry:
    """One read of a person's record."""

    at: dt.datetime
    actor: str
    channel: str
    conversation_id: str
    purpose: str
    action: str


# --- What a request to the store asks for (see bot.cases.store.CaseStore) ----------------------------------


@dataclass(frozen=True)
class RegistrationRequest:
    """What a job-seeking registration asks for (the person is given separately)."""

    work_wanted: str
    local_or_away: str
    needs_transport: bool
    wants_training: bool


@dataclass(frozen=True)
class RideRequest:
    """What a request for the “点对点” ride asks for."""

    destination: str
    departure_date: dt.date
    party_size: int


@dataclass(frozen=True)
class SubsidyRequest:
    """What a subsidy application asks for (the applicant is given separately)."""

    clause: int
    amount_yuan: int
    beneficiary_id_number: str | None = None
    months: int | None = None


@dataclass(frozen=True)
class HandoffAsk:
    """A request to be called back: from which conversation and channel, why, and who when known."""

    conversation_id: str
    channel: str
    reason: str
    id_number: str | None = None


# --- JSON conversion (used by the HTTP API on both sides) ---------------------------------------------------

R = TypeVar("R")


def to_json(record: Any) -> dict[str, Any]:
    """Turn a record into JSON-ready data (dates as ISO strings)."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        out[field.name] = value
    return out


def _convert(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is dt.datetime:
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    return value


def from_json(cls: type[R], data: dict[str, Any]) -> R:
    """Build a record of type ``cls`` from :func:`to_json` output; unknown keys are ignored."""
    hints = typing.get_type_hints(cls)
    kwargs = {
        field.name: _convert(data[field.name], hints[field.name])
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if field.name in data
    }
    return cls(**kwargs)

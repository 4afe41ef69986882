"""What a request to the case system must satisfy before any store touches data; both stores call these.

Only integrity: codes from the vocabulary, well-formed identifiers, sizes and amounts that can exist. Whether a
person or organisation is *eligible* is decided by the policy rules (:mod:`policy_kb.eligibility`), never here.
Each check raises :class:`~bot.cases.errors.InvalidRequest` naming the field (no personal data in it).
"""

from __future__ import annotations

from bot.cases.errors import InvalidRequest
from bot.cases.records import PersonDetails, RegistrationRequest, RideRequest, SubsidyApplicant, SubsidyRequest
from policy_kb.vocabulary import (
    APPLICANT_KIND_LABELS,
    EMPLOYMENT_STATUS_LABELS,
    LOCAL_OR_AWAY_LABELS,
    RECORDED_PERSON_CATEGORIES,
    STATUS_LABELS,
)


def _require(condition: bool, field: str) -> None:
    if not condition:
        raise InvalidRequest(detail=f"invalid {field}")


def check_phone(phone: str) -> None:
    """A mainland mobile number: 11 digits starting with 1 (callers validate and normalise it first)."""
    _require(len(phone) == 11 and phone.isdigit() and phone.startswith("1"), "phone")


def check_registration(person: PersonDetails, request: RegistrationRequest) -> None:
    """A registration names a recorded category, a known employment status and local or away work."""
    _require(bool(person.id_number.strip()) and bool(person.name.strip()) and bool(person.phone.strip()), "person")
    _require(request.local_or_away in LOCAL_OR_AWAY_LABELS, "local_or_away")
    _require(person.category in RECORDED_PERSON_CATEGORIES, "category")
    _require(person.employment_status in EMPLOYMENT_STATUS_LABELS, "employment_status")


def check_ride(request: RideRequest) -> None:
    """A ride has a destination and at least one passenger."""
    _require(bool(request.destination.strip()), "destination")
    _require(request.party_size >= 1, "party_size")


def check_training_enrolment(course: str) -> None:
    """An enrolment names a course."""
    _require(bool(course.strip()), "course")


def check_subsidy_application(applicant: SubsidyApplicant, request: SubsidyRequest) -> None:
    """An application has a known kind of applicant, a clause number, and no negative amount or months."""
    _require(applicant.kind in APPLICANT_KIND_LABELS and bool(applicant.identifier.strip()), "applicant")
    _require(request.clause >= 1, "clause")
    _require(request.amount_yuan >= 0, "amount_yuan")
    _require(request.months is None or request.months >= 1, "months")


def check_status(status: str) -> None:
    """A status change names a status of the vocabulary."""
    _require(status in STATUS_LABELS, "status")

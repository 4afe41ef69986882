"""Initial case schema: persons, employers, HR agencies, requests, applications and the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The code lists come from the vocabulary, so every list exists once (see bot/cases/checks.py).
from bot.cases.checks import (
    CATEGORY_CHECK,
    EMPLOYER_KIND_CHECK,
    EMPLOYMENT_STATUS_CHECK,
    LOCAL_OR_AWAY_CHECK,
    STATUS_CHECK,
)
from bot.cases.migrations.ddl import day, flag, integer, moment, serial, table, text

ONE_APPLICANT = (
    "(CASE WHEN applicant_person_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN applicant_employer_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN applicant_agency_id IS NULL THEN 0 ELSE 1 END) = 1"
)

TABLES = (
    "employers",
    "hr_agencies",
    "persons",
    "audit_log",
    "employments",
    "handoff_requests",
    "job_seeking_registrations",
    "placements",
    "subsidy_applications",
    "training_enrolments",
    "transport_requests",
)


def _request(
    name: str,
    *columns: sa.Column,
    person: bool = True,
    checks: dict[str, str] | None = None,
    refers: dict[str, str] | None = None,
    unique: tuple[str, ...] = (),
    indexed: tuple[str, ...] | None = None,
) -> None:
    """A table of requests with a reference: id, reference, the person (unless ``person`` is False), status, times."""
    head = [serial(), text("reference", 24, null=True), *([integer("person_id")] if person else [])]
    tail = [text("status", 16), moment("created_at"), moment("updated_at")]
    table(
        name,
        *head,
        *columns,
        *tail,
        checks={"status": STATUS_CHECK, **(checks or {})},
        refers={**({"person_id": "persons"} if person else {}), **(refers or {})},
        unique=["reference", *unique],
        indexed=("person_id",) if indexed is None and person else (indexed or ()),
    )


def upgrade() -> None:
    table(
        "employers",
        serial(),
        text("credit_code", 18),
        text("name", 100),
        text("county", 32, null=True),
        text("kind", 32),
        text("contact_phone", 11, null=True),
        moment("created_at"),
        checks={"kind": EMPLOYER_KIND_CHECK},
        unique=["credit_code"],
    )
    table(
        "hr_agencies",
        serial(),
        text("credit_code", 18),
        text("name", 100),
        text("county", 32, null=True),
        text("contact_phone", 11, null=True),
        moment("created_at"),
        unique=["credit_code"],
    )
    table(
        "persons",
        serial(),
        text("id_number", 18),
        text("name", 40),
        text("phone", 11),
        text("county", 32, null=True),
        text("township", 64, null=True),
        text("origin_province", 32, null=True),
        text("origin_county", 32, null=True),
        text("category", 32),
        text("employment_status", 32),
        flag("received_work_for_training"),
        moment("created_at"),
        moment("updated_at"),
        checks={"category": CATEGORY_CHECK, "employment_status": EMPLOYMENT_STATUS_CHECK},
        unique=["id_number"],
    )
    table(
        "audit_log",
        serial(),
        moment("at"),
        text("actor", 64),
        text("channel", 32),
        text("conversation_id", 128),
        integer("person_id", null=True),
        text("action", 32),
        text("purpose", 100),
        refers={"person_id": "persons"},
        indexed=["person_id"],
    )
    table(
        "employments",
        serial(),
        integer("employer_id"),
        integer("person_id"),
        day("start_date"),
        integer("contract_months", null=True),
        flag("with_work_for_training"),
        moment("created_at"),
        refers={"employer_id": "employers", "person_id": "persons"},
        unique=[("employer_id", "person_id", "start_date")],
        indexed=["employer_id", "person_id"],
    )
    _request(
        "handoff_requests",
        text("conversation_id", 128),
        text("channel", 32),
        text("reason", 200),
        integer("person_id", null=True),
        person=False,
        refers={"person_id": "persons"},
        indexed=("conversation_id", "person_id"),
    )
    _request(
        "job_seeking_registrations",
        text("work_wanted", 100),
        text("local_or_away", 8),
        flag("needs_transport"),
        flag("wants_training"),
        checks={"local_or_away": LOCAL_OR_AWAY_CHECK},
        unique=("person_id",),
        indexed=(),
    )
    table(
        "placements",
        serial(),
        integer("agency_id"),
        integer("person_id"),
        text("destination_province", 32, null=True),
        text("destination_county", 32, null=True),
        flag("outside_home_county"),
        integer("contract_months", null=True),
        day("start_date"),
        moment("created_at"),
        refers={"agency_id": "hr_agencies", "person_id": "persons"},
        indexed=["agency_id", "person_id"],
    )
    parties = ("applicant_person_id", "applicant_employer_id", "applicant_agency_id", "beneficiary_person_id")
    _request(
        "subsidy_applications",
        *(integer(column, null=True) for column in parties),
        integer("clause"),
        integer("amount_yuan"),
        integer("months", null=True),
        person=False,
        checks={"one_applicant": ONE_APPLICANT, "amount_yuan": "amount_yuan >= 0"},
        refers=dict(zip(parties, ("persons", "employers", "hr_agencies", "persons"), strict=True)),
        indexed=parties,
    )
    _request("training_enrolments", text("course", 100))
    _request(
        "transport_requests",
        text("destination", 100),
        day("departure_date"),
        integer("party_size"),
        checks={"party_size": "party_size >= 1"},
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)


# The place of this revision in the chain (read by Alembic).
revision = "0001"
down_revision = None

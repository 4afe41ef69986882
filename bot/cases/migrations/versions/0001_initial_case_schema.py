"""Initial case schema: persons, employers, HR agencies, requests, applications and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 10:27:37.294809
"""

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

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("contact_phone", sa.String(length=11), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            EMPLOYER_KIND_CHECK,
            name=op.f("ck_employers_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_employers_credit_code")),
    )
    op.create_table(
        "hr_agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("contact_phone", sa.String(length=11), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_agencies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_hr_agencies_credit_code")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("origin_province", sa.String(length=32), nullable=True),
        sa.Column("origin_county", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("employment_status", sa.String(length=32), nullable=False),
        sa.Column("received_work_for_training", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            CATEGORY_CHECK,
            name=op.f("ck_persons_category"),
        ),
        sa.CheckConstraint(
            EMPLOYMENT_STATUS_CHECK,
            name=op.f("ck_persons_employment_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_number", name=op.f("uq_persons_id_number")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_audit_log_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_person_id"), ["person_id"], unique=False)

    op.create_table(
        "employments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("contract_months", sa.Integer(), nullable=True),
        sa.Column("with_work_for_training", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"], name=op.f("fk_employments_employer_id_employers")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_employments_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employments")),
        sa.UniqueConstraint("employer_id", "person_id", "start_date", name=op.f("uq_employments_employer_id")),
    )
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employments_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_employments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_handoff_requests_status"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_handoff_requests_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_handoff_requests_reference")),
    )
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_requests_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoff_requests_person_id"), ["person_id"], unique=False)

    op.create_table(
        "job_seeking_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("work_wanted", sa.String(length=100), nullable=False),
        sa.Column("local_or_away", sa.String(length=8), nullable=False),
        sa.Column("needs_transport", sa.Boolean(), nullable=False),
        sa.Column("wants_training", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(LOCAL_OR_AWAY_CHECK, name=op.f("ck_job_seeking_registrations_local_or_away")),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_job_seeking_registrations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_job_seeking_registrations_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_seeking_registrations")),
        sa.UniqueConstraint("person_id", name=op.f("uq_job_seeking_registrations_person_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_job_seeking_registrations_reference")),
    )
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("destination_province", sa.String(length=32), nullable=True),
        sa.Column("destination_county", sa.String(length=32), nullable=True),
        sa.Column("outside_home_county", sa.Boolean(), nullable=False),
        sa.Column("contract_months", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["hr_agencies.id"], name=op.f("fk_placements_agency_id_hr_agencies")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_placements_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_person_id"), ["person_id"], unique=False)

    op.create_table(
        "subsidy_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("applicant_person_id", sa.Integer(), nullable=True),
        sa.Column("applicant_employer_id", sa.Integer(), nullable=True),
        sa.Column("applicant_agency_id", sa.Integer(), nullable=True),
        sa.Column("beneficiary_person_id", sa.Integer(), nullable=True),
        sa.Column("clause", sa.Integer(), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_subsidy_applications_status"),
        ),
        sa.CheckConstraint(
            "(CASE WHEN applicant_person_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN applicant_employer_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN applicant_agency_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_subsidy_applications_one_applicant"),
        ),
        sa.CheckConstraint("amount_yuan >= 0", name=op.f("ck_subsidy_applications_amount_yuan")),
        sa.ForeignKeyConstraint(
            ["applicant_agency_id"],
            ["hr_agencies.id"],
            name=op.f("fk_subsidy_applications_applicant_agency_id_hr_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_employer_id"],
            ["employers.id"],
            name=op.f("fk_subsidy_applications_applicant_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_person_id"],
            ["persons.id"],
            name=op.f("fk_subsidy_applications_applicant_person_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_person_id"],
            ["persons.id"],
            name=op.f("fk_subsidy_applications_beneficiary_person_id_persons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_subsidy_applications_reference")),
    )
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_applicant_agency_id"), ["applicant_agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_applicant_employer_id"),
            ["applicant_employer_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_applicant_person_id"), ["applicant_person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_beneficiary_person_id"),
            ["beneficiary_person_id"],
            unique=False,
        )

    op.create_table(
        "training_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_training_enrolments_status"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_training_enrolments_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_enrolments")),
        sa.UniqueConstraint("reference", name=op.f("uq_training_enrolments_reference")),
    )
    with op.batch_alter_table("training_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_enrolments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "transport_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("departure_date", sa.Date(), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_transport_requests_status"),
        ),
        sa.CheckConstraint("party_size >= 1", name=op.f("ck_transport_requests_party_size")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_transport_requests_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transport_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_transport_requests_reference")),
    )
    with op.batch_alter_table("transport_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transport_requests_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transport_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_requests_person_id"))

    op.drop_table("transport_requests")
    with op.batch_alter_table("training_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_enrolments_person_id"))

    op.drop_table("training_enrolments")
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_beneficiary_person_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_applicant_person_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_applicant_employer_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_applicant_agency_id"))

    op.drop_table("subsidy_applications")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_person_id"))
        batch_op.drop_index(batch_op.f("ix_placements_agency_id"))

    op.drop_table("placements")
    op.drop_table("job_seeking_registrations")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_requests_person_id"))
        batch_op.drop_index(batch_op.f("ix_handoff_requests_conversation_id"))

    op.drop_table("handoff_requests")
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employments_person_id"))
        batch_op.drop_index(batch_op.f("ix_employments_employer_id"))

    op.drop_table("employments")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_person_id"))

    op.drop_table("audit_log")
    op.drop_table("persons")
    op.drop_table("hr_agencies")
    op.drop_table("employers")

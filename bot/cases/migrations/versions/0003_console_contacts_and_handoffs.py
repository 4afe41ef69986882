"""Console contact records (calls, handoffs, summaries), handoff assignments and the agents' reply outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("handoff_reference", sa.String(length=24), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("caller_type", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('call', 'handoff')", name=op.f("ck_contact_records_kind")),
        sa.CheckConstraint("status IN ('open', 'ended', 'saved')", name=op.f("ck_contact_records_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["staff_accounts.id"], name=op.f("fk_contact_records_account_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_contact_records_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_records")),
        sa.UniqueConstraint("reference", name=op.f("uq_contact_records_reference")),
    )
    for column in ("account_id", "conversation_id", "handoff_reference", "person_id"):
        op.create_index(op.f(f"ix_contact_records_{column}"), "contact_records", [column], unique=False)
    op.create_table(
        "handoff_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_reference", sa.String(length=24), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'closed')", name=op.f("ck_handoff_assignments_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["staff_accounts.id"], name=op.f("fk_handoff_assignments_account_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact_records.id"], name=op.f("fk_handoff_assignments_contact_id_contact_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_assignments")),
        sa.UniqueConstraint("handoff_reference", name=op.f("uq_handoff_assignments_handoff_reference")),
    )
    op.create_index(op.f("ix_handoff_assignments_account_id"), "handoff_assignments", ["account_id"])
    op.create_index(op.f("ix_handoff_assignments_conversation_id"), "handoff_assignments", ["conversation_id"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["staff_accounts.id"], name=op.f("fk_handoff_messages_account_id_staff_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_messages")),
    )
    op.create_index(op.f("ix_handoff_messages_conversation_id"), "handoff_messages", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoff_assignments")
    op.drop_table("contact_records")

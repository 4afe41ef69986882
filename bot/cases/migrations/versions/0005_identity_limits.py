"""Identity-proof limits and attempts: failure counters per ID number, credit code and channel user.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_limits")),
        sa.UniqueConstraint("scope", "key_hash", name=op.f("uq_identity_limits_scope")),
    )
    op.create_table(
        "identity_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_attempts")),
    )
    with op.batch_alter_table("identity_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_attempts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_attempts_conversation_id"), ["conversation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_attempts_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_identity_attempts_at"))
    op.drop_table("identity_attempts")
    op.drop_table("identity_limits")

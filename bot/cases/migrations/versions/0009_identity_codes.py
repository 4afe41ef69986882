"""One-time SMS codes for identity proof (only keyed hashes are stored).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_codes")),
    )
    op.create_index(op.f("ix_identity_codes_subject_hash"), "identity_codes", ["subject_hash"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_codes_subject_hash"), table_name="identity_codes")
    op.drop_table("identity_codes")

"""One-time SMS codes for identity proof (only keyed hashes are stored).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

from bot.cases.migrations.ddl import moment, serial, table, text

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    table(
        "identity_codes",
        serial(),
        text("subject_hash", 64),
        text("conversation_id", 128),
        text("code_hash", 64),
        moment("issued_at"),
        moment("expires_at"),
        moment("used_at", null=True),
        indexed=["subject_hash"],
    )


def downgrade() -> None:
    op.drop_table("identity_codes")

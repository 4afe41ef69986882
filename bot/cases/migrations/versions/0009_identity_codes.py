"""One-time SMS codes for identity proof.

Only keyed hashes are stored: of the person a code was sent for and of the code itself.
"""

from __future__ import annotations

from alembic import op

from bot.cases.migrations.ddl import moment, serial, table, text


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


# The place of this revision in the chain (read by Alembic).
revision = "0009"
down_revision = "0008"

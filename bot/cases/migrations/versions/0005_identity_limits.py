"""Identity-proof limits and attempts: failure counters per ID number, credit code and channel user.

Counters are keyed by hashes, never by the identifiers themselves; every attempt is logged with its outcome.
"""

from __future__ import annotations

from alembic import op

from bot.cases.migrations.ddl import integer, moment, serial, table, text


def upgrade() -> None:
    table(
        "identity_limits",
        serial(),
        text("scope", 16),
        text("key_hash", 64),
        integer("attempts"),
        moment("window_started_at"),
        moment("locked_until", null=True),
        moment("updated_at"),
        unique=[("scope", "key_hash")],
    )
    table(
        "identity_attempts",
        serial(),
        moment("at"),
        text("scope", 16),
        text("subject_hash", 64),
        text("channel", 32),
        text("conversation_id", 128),
        text("purpose", 100),
        text("method", 16),
        text("outcome", 16),
        indexed=["at", "conversation_id"],
    )


def downgrade() -> None:
    op.drop_table("identity_attempts")
    op.drop_table("identity_limits")


# The place of this revision in the chain (read by Alembic).
revision = "0005"
down_revision = "0004"

"""Staff console accounts and sessions.

Hotline agents and supervisors sign in with a password (only its hash is kept); each signed-in browser has a
session row, found by a hash of its token, with its CSRF token.
"""

from __future__ import annotations

from alembic import op

from bot.cases.migrations.ddl import flag, integer, moment, serial, table, text


def upgrade() -> None:
    table(
        "staff_accounts",
        serial(),
        text("username", 32),
        text("display_name", 40),
        text("role", 16),
        text("password_hash", 255),
        flag("active"),
        integer("failed_logins"),
        moment("locked_until", null=True),
        moment("last_login_at", null=True),
        moment("created_at"),
        moment("updated_at"),
        checks={"role": "role IN ('agent', 'supervisor')"},
        unique=["username"],
    )
    table(
        "staff_sessions",
        serial(),
        text("token_hash", 64),
        integer("account_id"),
        text("csrf_token", 64),
        moment("created_at"),
        moment("last_seen_at"),
        refers={"account_id": "staff_accounts"},
        cascade=["account_id"],
        unique=["token_hash"],
        indexed=["account_id"],
    )


def downgrade() -> None:
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")


# The place of this revision in the chain (read by Alembic).
revision = "0002"
down_revision = "0001"

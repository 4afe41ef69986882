"""Staff console accounts and sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

from alembic import op

from bot.cases.migrations.ddl import flag, integer, moment, serial, table, text

revision = "0002"
down_revision = "0001"


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

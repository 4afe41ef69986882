"""Console contact records (calls, handoffs, summaries), handoff assignments and the agents' reply outbox.

A contact keeps its events as JSON until the agent saves the summary; an assignment says which agent took a
handoff; the outbox holds agents' replies until the channel has delivered them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.cases.migrations.ddl import integer, moment, serial, table, text


def upgrade() -> None:
    table(
        "contact_records",
        serial(),
        text("reference", 24, null=True),
        integer("account_id"),
        text("kind", 16),
        text("channel", 32),
        text("conversation_id", 128, null=True),
        text("handoff_reference", 24, null=True),
        integer("person_id", null=True),
        text("caller_type", 32, null=True),
        text("status", 16),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        moment("started_at"),
        moment("ended_at", null=True),
        moment("saved_at", null=True),
        checks={"kind": "kind IN ('call', 'handoff')", "status": "status IN ('open', 'ended', 'saved')"},
        refers={"account_id": "staff_accounts", "person_id": "persons"},
        unique=["reference"],
        indexed=["account_id", "conversation_id", "handoff_reference", "person_id"],
    )
    table(
        "handoff_assignments",
        serial(),
        text("handoff_reference", 24),
        text("conversation_id", 128),
        text("channel", 32),
        integer("account_id"),
        integer("contact_id", null=True),
        text("status", 16),
        moment("taken_at"),
        moment("closed_at", null=True),
        checks={"status": "status IN ('active', 'closed')"},
        refers={"account_id": "staff_accounts", "contact_id": "contact_records"},
        unique=["handoff_reference"],
        indexed=["account_id", "conversation_id"],
    )
    table(
        "handoff_messages",
        serial(),
        text("conversation_id", 128),
        text("channel", 32),
        integer("account_id"),
        sa.Column("text", sa.Text(), nullable=False),
        moment("created_at"),
        moment("delivered_at", null=True),
        refers={"account_id": "staff_accounts"},
        indexed=["conversation_id"],
    )


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoff_assignments")
    op.drop_table("contact_records")


# The place of this revision in the chain (read by Alembic).
revision = "0003"
down_revision = "0002"

"""Analytics tables of the supervisor's dashboard (redacted conversation facts, daily aggregates, snapshots)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.cases.migrations.ddl import day, flag, integer, text

_DAILY = ("analytics_daily_intents", "analytics_daily_clauses", "analytics_daily_latency")


def _dims() -> list[sa.Column]:
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "analytics_conversations",
        text("id", 32),
        text("sender_key", 32),
        sa.Column("started_ts", sa.Float(), nullable=False),
        day("day"),
        text("channel", 32, null=True),
        text("county", 32, null=True),
        flag("handed_off"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_conversations")),
    )
    op.create_index(
        "ix_analytics_conversations_sender_started", "analytics_conversations", ["sender_key", "started_ts"]
    )
    op.create_index("ix_analytics_conversations_day", "analytics_conversations", ["day", "channel", "county"])
    op.create_table(
        "analytics_turns",
        text("id", 32),
        text("conversation_id", 32),
        text("sender_key", 32),
        sa.Column("ts", sa.Float(), nullable=False),
        day("day"),
        text("channel", 32),
        text("intent", 64, null=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        text("text_masked", 500),
        text("outcome", 16),
        text("clause", 64, null=True),
        integer("response_ms", null=True),
        integer("response_bucket", null=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_turns")),
    )
    op.create_index("ix_analytics_turns_sender_ts", "analytics_turns", ["sender_key", "ts"])
    op.create_index("ix_analytics_turns_conversation", "analytics_turns", ["conversation_id"])
    op.create_index("ix_analytics_turns_day_channel", "analytics_turns", ["day", "channel"])
    op.create_index("ix_analytics_turns_day_outcome", "analytics_turns", ["outcome", "day"])
    op.create_index("ix_analytics_turns_intent_day", "analytics_turns", ["intent", "day"])
    op.create_index("ix_analytics_turns_clause_day", "analytics_turns", ["clause", "day"])
    op.create_table(
        "analytics_daily",
        *_dims(),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("clarifications", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "county", name=op.f("pk_analytics_daily")),
    )
    for table, column, kind in (
        ("analytics_daily_intents", "intent", sa.String(length=64)),
        ("analytics_daily_clauses", "clause", sa.String(length=64)),
        ("analytics_daily_latency", "bucket", sa.Integer()),
    ):
        op.create_table(
            table,
            *_dims(),
            sa.Column(column, kind, nullable=False),
            sa.Column("turns", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("day", "channel", "county", column, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "analytics_daily_unanswered",
        sa.Column("id", sa.Integer(), nullable=False),
        *_dims(),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily_unanswered")),
    )
    op.create_index("ix_analytics_daily_unanswered_day", "analytics_daily_unanswered", ["day", "channel", "county"])
    op.create_table(
        "monitor_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("employment_status", sa.String(length=32), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "county", "category", "employment_status", name=op.f("pk_monitor_snapshots")),
    )
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_state")),
    )
    # The 动态监测 queries group persons and filter registrations by date.
    op.create_index("ix_persons_monitor", "persons", ["county", "category", "employment_status"])
    op.create_index("ix_persons_status_county", "persons", ["employment_status", "county"])
    for table in ("job_seeking_registrations", "transport_requests", "training_enrolments", "subsidy_applications"):
        op.create_index(f"ix_{table}_created_at", table, ["created_at"])


def downgrade() -> None:
    for table in ("job_seeking_registrations", "transport_requests", "training_enrolments", "subsidy_applications"):
        op.drop_index(f"ix_{table}_created_at", table_name=table)
    op.drop_index("ix_persons_status_county", table_name="persons")
    op.drop_index("ix_persons_monitor", table_name="persons")
    for table in (
        "analytics_state",
        "monitor_snapshots",
        "analytics_daily_unanswered",
        *_DAILY,
        "analytics_daily",
        "analytics_turns",
        "analytics_conversations",
    ):
        op.drop_table(table)


# The place of this revision in the chain (read by Alembic).
revision = "0004"
down_revision = "0003"

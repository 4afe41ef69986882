"""Pre-aggregated case figures of the dashboard's 动态监测 panel, and the county on each turn.

A year of a city's requests (200 000 persons, 213 000 requests) grouped by week on every page view took seconds;
the ingest process now keeps them per day, county and status, and the panel reads a few thousand rows. Turns
carry their conversation's county, so that a county's drill-down reads one index instead of joining millions
of rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The drill-downs that combine a county with one more condition.
COUNTY_INDEXED = ("intent", "clause", "outcome")


def upgrade() -> None:
    op.create_table(
        "analytics_daily_requests",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "day", "county", "status", name=op.f("pk_analytics_daily_requests")),
    )
    op.create_table(
        "analytics_followup_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "county", name=op.f("pk_analytics_followup_daily")),
    )
    op.add_column("analytics_turns", sa.Column("county", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE analytics_turns SET county = (SELECT c.county FROM analytics_conversations c"
        " WHERE c.id = analytics_turns.conversation_id)"
    )
    for column in COUNTY_INDEXED:
        op.create_index(f"ix_analytics_turns_county_{column}_day", "analytics_turns", ["county", column, "day"])


def downgrade() -> None:
    for column in COUNTY_INDEXED:
        op.drop_index(f"ix_analytics_turns_county_{column}_day", table_name="analytics_turns")
    with op.batch_alter_table("analytics_turns") as batch:
        batch.drop_column("county")
    op.drop_table("analytics_followup_daily")
    op.drop_table("analytics_daily_requests")


# The place of this revision in the chain (read by Alembic).
revision = "0007"
down_revision = "0006"

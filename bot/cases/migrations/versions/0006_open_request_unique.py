"""One open request of each kind: partial unique indexes on transport, training, subsidy and handoff requests.

Concurrent identical requests used to be stored many times (20 identical 点对点 requests made 13 rows on
PostgreSQL, after which the request failed for good). Open duplicates already stored are closed first: the
oldest row of each group stays open, the others are marked ``cancelled``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The closed statuses of policy_kb.vocabulary.CLOSED_STATUSES when this revision was written.
OPEN = "status NOT IN ('cancelled', 'completed', 'rejected')"

INDEXES = {
    "uq_transport_requests_open": ("transport_requests", ["person_id", "destination", "departure_date"]),
    "uq_training_enrolments_open": ("training_enrolments", ["person_id", "course"]),
    "uq_subsidy_applications_open": (
        "subsidy_applications",
        [
            "clause",
            "coalesce(applicant_person_id, 0)",
            "coalesce(applicant_employer_id, 0)",
            "coalesce(applicant_agency_id, 0)",
            "coalesce(beneficiary_person_id, 0)",
        ],
    ),
    "uq_handoff_requests_open": ("handoff_requests", ["conversation_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        key = ", ".join(columns)
        op.execute(
            sa.text(
                f"UPDATE {table} SET status = 'cancelled' WHERE {OPEN} AND id NOT IN "
                f"(SELECT min(id) FROM {table} WHERE {OPEN} GROUP BY {key})"
            )
        )
        elements = [sa.text(c) if "(" in c else c for c in columns]
        op.create_index(
            name,
            table,
            elements,
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    for name, (table, _) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)


# The place of this revision in the chain (read by Alembic).
revision = "0006"
down_revision = "0005"

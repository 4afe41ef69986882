"""A callback number on a handoff request: what an anonymous user leaves when they want a person to call back.

Sealed like every phone number (``handoff_requests.callback_phone`` is the context of
:class:`bot.cases.sealed.Sealed` in :mod:`bot.cases.models`); empty for the requests filed before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def upgrade() -> None:
    with op.batch_alter_table("handoff_requests") as batch:
        batch.add_column(sa.Column("callback_phone", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_requests") as batch:
        batch.drop_column("callback_phone")


# The place of this revision in the chain (read by Alembic).
revision = "0010"
down_revision = "0009"

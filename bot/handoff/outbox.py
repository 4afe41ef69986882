"""Agents' replies to handed-over users, kept until the user's channel has delivered them.

Blocking (SQL); async code calls these through ``asyncio.to_thread``.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.cases.models import HandoffAssignment, HandoffMessage, utcnow
from bot.cases.sql_base import read_only
from bot.cases.sql_store import build_engine

AGENT_PREFIX = "【人工客服】"
MAX_REPLY = 600


class Outbox:
    """Pending and delivered agent replies in the case database."""

    def __init__(self, engine: Engine) -> None:
        """Use ``engine`` (the case database)."""
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self._reads = sessionmaker(read_only(engine), future=True, expire_on_commit=False)

    def enqueue(self, conversation_id: str, channel: str, account_id: int, text: str) -> int:
        """Keep a reply for delivery; returns its id."""
        with self._sessions() as session, session.begin():
            row = HandoffMessage(conversation_id=conversation_id, channel=channel, account_id=account_id, text=text)
            session.add(row)
            session.flush()
            return row.id

    def mark_delivered(self, message_id: int) -> None:
        """The channel has delivered the reply."""
        with self._sessions() as session, session.begin():
            row = session.get(HandoffMessage, message_id)
            if row is not None and row.delivered_at is None:
                row.delivered_at = utcnow()

    def before_turn(self, conversation_id: str) -> tuple[list[str], bool]:
        """The replies waiting for this user (as :meth:`take_pending`) and whether an agent holds the conversation.

        Asked on every REST message: the usual answer (nothing waits, nobody holds it) is one read that takes
        no write lock.
        """
        with self._reads() as session:
            waiting, held = session.execute(
                select(
                    select(HandoffMessage.id)
                    .filter(HandoffMessage.conversation_id == conversation_id, HandoffMessage.delivered_at.is_(None))
                    .exists(),
                    select(HandoffAssignment.id).filter_by(conversation_id=conversation_id, status="active").exists(),
                )
            ).one()
        return (self.take_pending(conversation_id) if waiting else []), bool(held)

    def take_pending(self, conversation_id: str) -> list[str]:
        """The undelivered replies to this user, oldest first, marked delivered in the same transaction.

        The usual answer (none) comes from a read that takes no write lock.
        """
        if not self.pending_count(conversation_id):
            return []
        with self._sessions() as session, session.begin():
            rows = session.execute(
                select(HandoffMessage)
                .filter(HandoffMessage.conversation_id == conversation_id, HandoffMessage.delivered_at.is_(None))
                .order_by(HandoffMessage.id)
                .with_for_update()
            ).scalars()
            texts = []
            for row in rows:
                row.delivered_at = utcnow()
                texts.append(row.text)
            return texts

    def pending_count(self, conversation_id: str) -> int:
        """How many replies wait for this user."""
        with self._reads() as session:
            rows = session.execute(
                select(HandoffMessage.id).filter(
                    HandoffMessage.conversation_id == conversation_id, HandoffMessage.delivered_at.is_(None)
                )
            )
            return len(rows.all())

    def in_active_handoff(self, conversation_id: str) -> bool:
        """Whether an agent currently holds this conversation."""
        with self._reads() as session:
            row = session.execute(
                select(HandoffAssignment.id).filter_by(conversation_id=conversation_id, status="active").limit(1)
            ).first()
            return row is not None


@lru_cache(maxsize=1)
def default_outbox() -> Outbox:
    """The outbox on ``CASE_DB_URL`` (built on first use)."""
    from bot import settings

    return Outbox(build_engine(settings.load().case_db_url))

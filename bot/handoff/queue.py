"""The handoff queue: requests filed by the bot wait here until an agent takes one.

Taking a request pauses the bot for that user (a ``pause`` event through Rasa's HTTP API); closing it resumes
the bot. The request's status in the case system follows: ``submitted`` (waiting) → ``in_review`` (an agent
has it) → ``completed`` (handed back). Blocking (SQL and HTTP); call through ``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.cases.models import HandoffAssignment, HandoffRequest, utcnow
from bot.handoff.rasa_api import RasaApiError, RasaConversations
from bot.privacy import mask_phone, mask_pii

CLOSING_TEXT = "人工服务已结束，您可以继续向助手提问；需要时再说“转人工”。"


class HandoffError(ValueError):
    """The handoff cannot be taken or closed; the message is Chinese."""


@dataclass(frozen=True)
class Waiting:
    """A request in the queue (or held by an agent)."""

    reference: str
    conversation_id: str
    channel: str
    reason: str
    created_at: dt.datetime
    status: str
    agent_id: int | None = None
    contact_id: int | None = None
    callback_phone: str | None = field(default=None, repr=False)  # left by an anonymous user for a call back

    @property
    def callback_masked(self) -> str:
        """The callback number masked (``139****5678``), or ``""``."""
        return mask_phone(self.callback_phone) if self.callback_phone else ""


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _request_status(status: str) -> str:
    return "waiting" if status == "submitted" else status


class Handoffs:
    """The queue over the case database's handoff requests and the console's assignments."""

    def __init__(self, engine: Engine, rasa: RasaConversations | None = None) -> None:
        """Use ``engine``; ``rasa`` pauses and resumes the bot (required for take and close)."""
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self.rasa = rasa

    def _rows(self, *, status: str | None = None, account_id: int | None = None) -> list[Waiting]:
        with self._sessions() as session:
            stmt = (
                select(HandoffRequest, HandoffAssignment)
                .outerjoin(HandoffAssignment, HandoffAssignment.handoff_reference == HandoffRequest.reference)
                .order_by(HandoffRequest.id)
            )
            if status == "waiting":
                stmt = stmt.filter(HandoffRequest.status == "submitted", HandoffAssignment.id.is_(None))
            elif status == "active":
                stmt = stmt.filter(HandoffAssignment.status == "active")
            if account_id is not None:
                stmt = stmt.filter(HandoffAssignment.account_id == account_id)
            return [
                Waiting(
                    reference=req.reference or "",
                    conversation_id=req.conversation_id,
                    channel=req.channel,
                    reason=mask_pii(req.reason),
                    created_at=_aware(req.created_at),
                    status=assignment.status
                    if assignment
                    else ("waiting" if req.status == "submitted" else req.status),
                    agent_id=assignment.account_id if assignment else None,
                    contact_id=assignment.contact_id if assignment else None,
                    callback_phone=req.callback_phone,
                )
                for req, assignment in session.execute(stmt)
            ]

    def waiting(self) -> list[Waiting]:
        """Requests nobody has taken yet, oldest first."""
        return self._rows(status="waiting")

    def held_by(self, account_id: int) -> list[Waiting]:
        """Requests this agent currently holds."""
        return self._rows(status="active", account_id=account_id)

    def get(self, reference: str) -> Waiting | None:
        """One request by reference."""
        found = [w for w in self._rows() if w.reference == reference]
        return found[0] if found else None

    def position(self, reference: str) -> int:
        """1 for the first waiting request; the queue's length + 1 when the reference is not waiting."""
        with self._sessions() as session:
            row = session.execute(select(HandoffRequest.id).filter_by(reference=reference)).first()
            limit = row[0] if row else None
            stmt = (
                select(func.count())
                .select_from(HandoffRequest)
                .outerjoin(HandoffAssignment, HandoffAssignment.handoff_reference == HandoffRequest.reference)
                .filter(HandoffRequest.status == "submitted", HandoffAssignment.id.is_(None))
            )
            if limit is not None:
                stmt = stmt.filter(HandoffRequest.id <= limit)
            return int(session.execute(stmt).scalar_one()) or 1

    def take(self, reference: str, account_id: int, contact_id: int | None = None) -> Waiting:
        """Assign the request to the agent and pause the bot for that user; refused when someone else has it."""
        with self._sessions() as session:
            try:
                with session.begin():
                    req = session.execute(select(HandoffRequest).filter_by(reference=reference)).scalar_one_or_none()
                    if req is None:
                        raise HandoffError("没有这个转人工请求。")
                    if req.status != "submitted":
                        raise HandoffError("这个请求已经处理过了。")
                    session.add(
                        HandoffAssignment(
                            handoff_reference=reference,
                            conversation_id=req.conversation_id,
                            channel=req.channel,
                            account_id=account_id,
                            contact_id=contact_id,
                            status="active",
                        )
                    )
                    req.status = "in_review"
                    conversation_id = req.conversation_id
            except IntegrityError:
                raise HandoffError("这个请求已被其他坐席接入。") from None
        try:
            self._require_rasa().pause(conversation_id)
        except RasaApiError:
            self._undo_take(reference)
            raise
        return self.get(reference)  # type: ignore[return-value]

    def _undo_take(self, reference: str) -> None:
        with self._sessions() as session, session.begin():
            assignment = session.execute(
                select(HandoffAssignment).filter_by(handoff_reference=reference)
            ).scalar_one_or_none()
            if assignment is not None:
                session.delete(assignment)
            req = session.execute(select(HandoffRequest).filter_by(reference=reference)).scalar_one_or_none()
            if req is not None:
                req.status = "submitted"

    def set_contact(self, reference: str, contact_id: int) -> None:
        """Link the assignment to its contact record."""
        with self._sessions() as session, session.begin():
            assignment = session.execute(
                select(HandoffAssignment).filter_by(handoff_reference=reference)
            ).scalar_one_or_none()
            if assignment is not None:
                assignment.contact_id = contact_id

    def close(self, reference: str, account_id: int, *, supervisor: bool = False) -> Waiting:
        """Resume the bot for the user and mark the request completed."""
        held = self.get(reference)
        if held is None or held.status != "active":
            raise HandoffError("这个请求当前不在人工处理中。")
        if held.agent_id != account_id and not supervisor:
            raise HandoffError("只有接入的坐席（或主管）可以结束这次人工服务。")
        self._require_rasa().resume(held.conversation_id)
        with self._sessions() as session, session.begin():
            assignment = session.execute(select(HandoffAssignment).filter_by(handoff_reference=reference)).scalar_one()
            assignment.status, assignment.closed_at = "closed", utcnow()
            req = session.execute(select(HandoffRequest).filter_by(reference=reference)).scalar_one()
            req.status = "completed"
        return self.get(reference)  # type: ignore[return-value]

    def _require_rasa(self) -> RasaConversations:
        if self.rasa is None:
            raise HandoffError("未配置助手服务地址，无法暂停或恢复机器人。")
        return self.rasa

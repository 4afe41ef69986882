"""Turn redacted Rasa events into the analytics tables, idempotently.

Every row's key is derived from the event itself (a keyed hash of the sender, the event time and the message
id), so an event applied twice — a broker redelivery, a backfill over events already ingested — changes
nothing. Follow-up events (actions, bot messages, slots) are attached to the sender's latest turn at or before
their own time, never to "whatever came last", which keeps replays correct too.

The sources the events come from are in :mod:`bot.analytics.sources`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.analytics.redact import Redactor
from bot.analytics.tables import (
    AnalyticsConversation,
    AnalyticsDaily,
    AnalyticsDailyClause,
    AnalyticsDailyIntent,
    AnalyticsDailyLatency,
    AnalyticsDailyUnanswered,
    AnalyticsTurn,
)
from bot.crypto import DataCipher

logger = logging.getLogger(__name__)

CHINA = dt.timezone(dt.timedelta(hours=8))
HANDOFF_ACTIONS = frozenset({"action_offer_human"})
CLARIFY_ACTIONS = frozenset({"action_clarify"})
FALLBACK_ACTIONS = frozenset({"action_default_fallback"})
# An outcome only moves up this scale within a turn.
_OUTCOME_RANK = {"answered": 0, "clarification": 1, "fallback": 2, "handoff": 3}
OUTCOME_ACTIONS = HANDOFF_ACTIONS | FALLBACK_ACTIONS | CLARIFY_ACTIONS
# Slots whose value lands in the tables (the clause a turn was about, the conversation's county).
RECORDED_SLOTS = frozenset({"last_clause", "county"})
_SPACE_RE = re.compile(r"\s+")
# Events per transaction, and the ingest process's pause between two, so that a writer waiting for SQLite's write
# lock (SQLite's busy wait polls every few milliseconds) gets it before the next chunk starts.
CHUNK_EVENTS = 100
CHUNK_PAUSE_S = 0.02
LATENCY_BASE_MS = 10
LATENCY_RATIO = 1.1


def day_of(ts: float) -> dt.date:
    """The calendar day (China Standard Time) of an epoch timestamp."""
    return dt.datetime.fromtimestamp(ts, CHINA).date()


def latency_bucket(ms: int) -> int:
    """The histogram bucket of a response time: lower bounds 0, 10 ms, then steps of 10 % (11, 12, 13 … ms)."""
    if ms < LATENCY_BASE_MS:
        return 0
    step = math.floor(math.log(ms / LATENCY_BASE_MS, LATENCY_RATIO) + 1e-9)
    return round(LATENCY_BASE_MS * LATENCY_RATIO**step)


def bucket_middle(bucket: int) -> float:
    """A representative value of a latency bucket (its geometric middle)."""
    if bucket == 0:
        return LATENCY_BASE_MS / 2
    return bucket * math.sqrt(LATENCY_RATIO)


def normalise_question(masked: str) -> str:
    """The grouping form of a masked message: whitespace collapsed, trailing punctuation dropped."""
    return _SPACE_RE.sub(" ", masked).strip().rstrip("?？。!！,，.~～ ")[:500]


def keyed_sender_hash(cipher: DataCipher) -> Callable[[str], str]:
    """Sender ids hashed with the case data key (``CASE_DATA_KEY``): a sender id never reaches the tables."""
    return lambda sender_id: cipher.blind_index(sender_id, context="analytics.sender")[:32]


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class IngestResult:
    """What one call of :meth:`Ingestor.apply` did."""

    events: int = 0
    turns: int = 0
    days: set[dt.date] = field(default_factory=set)


class Ingestor:
    """Applies redacted events to the analytics tables of one database."""

    def __init__(
        self, engine: Engine, sender_hash: Callable[[str], str], chunk: int = CHUNK_EVENTS, pause_s: float = 0.0
    ) -> None:
        """Args:
        engine: the case database (where the analytics tables live).
        sender_hash: a keyed hash of a sender id (see :func:`keyed_sender_hash`).
        chunk: events applied per transaction.
        pause_s: seconds to wait between two transactions (the ingest process sets it; see ``CHUNK_PAUSE_S``).
        """
        self.engine = engine
        self.sender_hash = sender_hash
        self.redactor = Redactor()
        self.chunk = max(1, chunk)
        self.pause_s = pause_s

    def apply(self, events: Iterable[dict[str, Any]]) -> IngestResult:
        """Apply ``events`` (raw or redacted; they are redacted again), ``chunk`` at a time, then refresh the days
        they touched in the daily tables.

        Each chunk is its own short transaction: the analytics tables share the case database, and on SQLite a
        write transaction holds the one write lock the action server needs to save a registration — a batch of
        a few seconds of events in one transaction kept it waiting for most of a second. An event applied again
        after a failure changes nothing, and its day is refreshed again.
        """
        result = IngestResult()
        pending = iter(events)
        while chunk := list(itertools.islice(pending, self.chunk)):
            keyed = []
            for raw in chunk:
                event = self.redactor.redact(raw)
                if event is None or not event.get("sender_id") or event.get("timestamp") is None:
                    continue
                keyed.append((self.sender_hash(str(event["sender_id"]))[:32], event))
            with Session(self.engine, future=True) as session, session.begin():
                seen = _ChunkState.read(session, keyed)
                for sender, event in keyed:
                    result.events += 1
                    self._apply_one(seen, sender, event, result)
            if self.pause_s:
                time.sleep(self.pause_s)
        if result.days:
            with Session(self.engine, future=True) as session, session.begin():
                refresh_days(session, result.days)
        return result

    # -- one event -------------------------------------------------------------------------------------------

    def _apply_one(self, seen: _ChunkState, sender: str, event: dict[str, Any], result: IngestResult) -> None:
        session = seen.session
        ts = float(event["timestamp"])
        kind = event["event"]
        if kind == "session_started":
            seen.start_conversation(sender, ts)
            return
        if kind == "user":
            self._user(seen, sender, ts, event, result)
            return
        if not changes_tables(event):
            return
        if kind == "pause":
            conversation = seen.conversation_at(sender, ts)
            if conversation is not None and not conversation.handed_off:
                conversation.handed_off = True
                result.days.add(conversation.day)
            return
        turn = seen.turn_at(sender, ts)
        if turn is None:
            return
        if kind == "action":
            name = event.get("name") or ""
            if name in HANDOFF_ACTIONS:
                self._raise_outcome(turn, "handoff")
                conversation = seen.conversation_of(turn)
                if conversation is not None:
                    conversation.handed_off = True
                    result.days.add(conversation.day)
            elif name in FALLBACK_ACTIONS:
                self._raise_outcome(turn, "fallback")
            elif name in CLARIFY_ACTIONS:
                self._raise_outcome(turn, "clarification")
        elif kind == "bot":
            elapsed = max(0, round((ts - turn.ts) * 1000))
            if turn.response_ms is None or elapsed > turn.response_ms:
                turn.response_ms = elapsed
                turn.response_bucket = latency_bucket(elapsed)
        elif kind == "slot":
            value = event.get("value")
            if event.get("name") == "last_clause" and value:
                turn.clause = str(value)[:64]
            elif event.get("name") == "county" and value:
                conversation = seen.conversation_of(turn)
                if conversation is not None and conversation.county != value:
                    conversation.county = str(value)[:32]
                    session.execute(
                        update(AnalyticsTurn)
                        .where(AnalyticsTurn.conversation_id == conversation.id)
                        .values(county=conversation.county)
                        .execution_options(synchronize_session="evaluate")
                    )
                    result.days.add(conversation.day)
        result.days.add(turn.day)

    @staticmethod
    def _raise_outcome(turn: AnalyticsTurn, outcome: str) -> None:
        if _OUTCOME_RANK[outcome] > _OUTCOME_RANK.get(turn.outcome or "answered", 0):
            turn.outcome = outcome

    def _user(self, seen: _ChunkState, sender: str, ts: float, event: dict[str, Any], result: IngestResult) -> None:
        turn_id = _turn_id(sender, event)
        if turn_id in seen.applied:
            seen.replayed_turn(sender, turn_id)
            result.days.add(day_of(ts))  # applied before: its day may not have been refreshed since
            return
        conversation = seen.conversation_at(sender, ts) or seen.start_conversation(sender, ts)
        channel = (event.get("input_channel") or "unknown")[:32]
        if conversation.channel is None:
            conversation.channel = channel
        intent = (event.get("parse_data") or {}).get("intent") or {}
        name = intent.get("name")
        outcome = "answered"
        if name == "request_human":
            outcome = "handoff"
            conversation.handed_off = True
        elif name == "nlu_fallback":
            outcome = "clarification"
        confidence = intent.get("confidence")
        turn = AnalyticsTurn(
            id=turn_id,
            conversation_id=conversation.id,
            sender_key=sender,
            ts=ts,
            day=day_of(ts),
            channel=channel,
            county=conversation.county,
            intent=(name or None) and str(name)[:64],
            confidence=float(confidence) if confidence is not None else None,
            text_masked=normalise_question(str(event.get("text") or "")),
            outcome=outcome,
        )
        seen.add_turn(sender, turn)
        result.turns += 1
        result.days.update({day_of(ts), conversation.day})


class _ChunkState:
    """What one chunk's transaction knows, so that most events need no query of their own.

    Events come in order for each sender: a turn's follow-up events right after its user message, a user message
    after its session's start. So the chunk reads, once, the user messages already applied and each sender's
    latest turn and conversation in the tables; after that, the latest turn and conversation a sender has (read
    or written by this chunk) are the ones an event belongs to, provided the event is not older than them and the
    tables held nothing of that sender's later when the chunk began. Anything else — an event older than what is
    remembered, a replay of a turn with later turns after it — is looked up by its time, as before.
    """

    def __init__(self, session: Session, applied: set[str]) -> None:
        self.session = session
        self.applied = applied
        # The latest time of each sender's turn and conversation start in the tables when the chunk began.
        self._stored_turn_ts: dict[str, float] = {}
        self._stored_start_ts: dict[str, float] = {}
        # Each sender's latest turn and conversation, in the tables or written by this chunk.
        self._turns: dict[str, AnalyticsTurn] = {}
        self._conversations: dict[str, AnalyticsConversation] = {}

    @classmethod
    def read(cls, session: Session, keyed: list[tuple[str, dict[str, Any]]]) -> _ChunkState:
        """Up to three queries for the chunk: user messages already applied, each sender's latest turn and start."""
        senders = sorted({sender for sender, event in keyed if _looks_up(event)})
        turn_ids = [_turn_id(sender, event) for sender, event in keyed if event["event"] == "user"]
        t, c = AnalyticsTurn, AnalyticsConversation
        applied = set(session.execute(select(t.id).where(t.id.in_(turn_ids))).scalars()) if turn_ids else set()
        state = cls(session, applied)
        if senders:
            state._stored(state._turns, state._stored_turn_ts, t, t.ts, senders)
            state._stored(state._conversations, state._stored_start_ts, c, c.started_ts, senders)
        return state

    def _stored(
        self, rows: dict[str, Any], latest_ts: dict[str, float], model: Any, ts: Any, senders: list[str]
    ) -> None:
        """Each sender's latest row of ``model`` (by ``ts``) in the tables, in one query."""
        latest = (
            select(model.sender_key, func.max(ts).label("ts"))
            .where(model.sender_key.in_(senders))
            .group_by(model.sender_key)
            .subquery()
        )
        query = select(model).join(latest, (model.sender_key == latest.c.sender_key) & (ts == latest.c.ts))
        for row in self.session.execute(query).scalars():
            rows[row.sender_key] = row
            latest_ts[row.sender_key] = getattr(row, ts.key)

    def _latest_at(self, remembered: Any, stored: dict[str, float], ts_column: Any, sender: str, ts: float) -> Any:
        """``remembered`` (the sender's latest row of the model of ``ts_column``) when it is the one at ``ts``,
        else the row looked up."""
        if remembered is not None:
            at = getattr(remembered, ts_column.key)
            if at <= ts and stored.get(sender, -math.inf) <= at:
                return remembered
        model = ts_column.class_
        return self.session.execute(
            select(model).where(model.sender_key == sender, ts_column <= ts).order_by(ts_column.desc()).limit(1)
        ).scalar_one_or_none()

    def turn_at(self, sender: str, ts: float) -> AnalyticsTurn | None:
        """The sender's latest turn at or before ``ts``."""
        return self._latest_at(self._turns.get(sender), self._stored_turn_ts, AnalyticsTurn.ts, sender, ts)

    def add_turn(self, sender: str, turn: AnalyticsTurn) -> None:
        """A new turn (written when the chunk commits)."""
        self.session.add(turn)
        latest = self._turns.get(sender)
        if latest is None or latest.ts <= turn.ts:
            self._turns[sender] = turn

    def replayed_turn(self, sender: str, turn_id: str) -> None:
        """A user message applied before: its turn is where the follow-up events that come next belong."""
        turn = self.session.get(AnalyticsTurn, turn_id)
        if turn is not None:
            self._turns[sender] = turn

    def conversation_at(self, sender: str, ts: float) -> AnalyticsConversation | None:
        """The sender's conversation going on at ``ts``."""
        remembered = self._conversations.get(sender)
        return self._latest_at(remembered, self._stored_start_ts, AnalyticsConversation.started_ts, sender, ts)

    def conversation_of(self, turn: AnalyticsTurn) -> AnalyticsConversation | None:
        """The conversation ``turn`` belongs to."""
        latest = self._conversations.get(turn.sender_key)
        if latest is not None and latest.id == turn.conversation_id:
            return latest
        return self.session.get(AnalyticsConversation, turn.conversation_id)

    def start_conversation(self, sender: str, ts: float) -> AnalyticsConversation:
        """The conversation a session start at ``ts`` begins (the same row when it is applied again)."""
        conversation_id = _digest(sender, "session", f"{ts:.6f}")
        latest = self._conversations.get(sender)
        if latest is not None and latest.id == conversation_id:
            return latest
        known = sender in self._stored_start_ts  # otherwise the tables hold no conversation of this sender
        conversation = self.session.get(AnalyticsConversation, conversation_id) if known else None
        if conversation is None:
            conversation = AnalyticsConversation(id=conversation_id, sender_key=sender, started_ts=ts, day=day_of(ts))
            self.session.add(conversation)
        if latest is None or latest.started_ts <= ts:
            self._conversations[sender] = conversation
        return conversation


def _turn_id(sender: str, event: dict[str, Any]) -> str:
    """The key of the turn a user message begins (the same for the message applied again)."""
    return _digest(sender, "user", f"{float(event['timestamp']):.6f}", event.get("message_id") or "")


def _looks_up(event: dict[str, Any]) -> bool:
    return event["event"] in ("user", "session_started") or changes_tables(event)


def changes_tables(event: dict[str, Any]) -> bool:
    """Whether a follow-up event (not a user message or a session start) can change a turn or a conversation.

    Most of a turn's events are actions and slots the tables do not record (``action_listen``, a form's
    ``requested_slot``…); they are skipped before the lookup of the turn they belong to, which was most of the
    ingest's work.
    """
    kind = event.get("event")
    if kind in ("pause", "bot"):
        return True
    if kind == "action":
        return event.get("name") in OUTCOME_ACTIONS
    if kind == "slot":
        return event.get("name") in RECORDED_SLOTS and bool(event.get("value"))
    return False


# -- daily tables ----------------------------------------------------------------------------------------------


def _day_filter(column: Any, days: set[dt.date] | tuple[dt.date, dt.date]) -> Any:
    if isinstance(days, tuple):
        return column.between(days[0], days[1])
    return column.in_(sorted(days))


def refresh_days(session: Session, days: set[dt.date] | tuple[dt.date, dt.date]) -> None:
    """Recompute the daily tables for ``days`` (a set of days, or an inclusive ``(first, last)`` range)."""
    c, t = AnalyticsConversation, AnalyticsTurn
    county = func.coalesce(c.county, "")
    for table in (AnalyticsDaily, AnalyticsDailyIntent, AnalyticsDailyClause, AnalyticsDailyLatency):
        session.execute(delete(table).where(_day_filter(table.day, days)).execution_options(synchronize_session=False))
    session.execute(
        delete(AnalyticsDailyUnanswered)
        .where(_day_filter(AnalyticsDailyUnanswered.day, days))
        .execution_options(synchronize_session=False)
    )

    rows: dict[tuple[dt.date, str, str], dict[str, int]] = {}
    conversations = select(
        c.day, func.coalesce(c.channel, "unknown"), county, func.count(), func.sum(case((c.handed_off, 1), else_=0))
    ).where(_day_filter(c.day, days))
    for day, channel, cty, n, handoffs in session.execute(
        conversations.group_by(c.day, func.coalesce(c.channel, "unknown"), county)
    ):
        rows.setdefault((day, channel, cty), {}).update(conversations=n, handoffs=int(handoffs or 0))
    joined = t.__table__.join(c.__table__, t.conversation_id == c.id)
    turns = (
        select(
            t.day,
            t.channel,
            county,
            func.count(),
            func.sum(case((t.outcome == "clarification", 1), else_=0)),
            func.sum(case((t.outcome == "fallback", 1), else_=0)),
        )
        .select_from(joined)
        .where(_day_filter(t.day, days))
        .group_by(t.day, t.channel, county)
    )
    for day, channel, cty, n, clarifications, fallbacks in session.execute(turns):
        rows.setdefault((day, channel, cty), {}).update(
            turns=n, clarifications=int(clarifications or 0), fallbacks=int(fallbacks or 0)
        )
    if rows:
        session.execute(
            insert(AnalyticsDaily),
            [
                {
                    "day": day,
                    "channel": channel,
                    "county": cty,
                    "conversations": v.get("conversations", 0),
                    "handoffs": v.get("handoffs", 0),
                    "turns": v.get("turns", 0),
                    "clarifications": v.get("clarifications", 0),
                    "fallbacks": v.get("fallbacks", 0),
                }
                for (day, channel, cty), v in rows.items()
            ],
        )

    def grouped(table: Any, column: Any, condition: Any, target: str) -> None:
        query = (
            select(t.day, t.channel, county, column, func.count())
            .select_from(joined)
            .where(_day_filter(t.day, days), condition)
            .group_by(t.day, t.channel, county, column)
        )
        session.execute(insert(table).from_select(["day", "channel", "county", target, "turns"], query))

    grouped(AnalyticsDailyIntent, t.intent, t.intent.is_not(None), "intent")
    grouped(AnalyticsDailyClause, t.clause, t.clause.is_not(None), "clause")
    grouped(AnalyticsDailyLatency, t.response_bucket, t.response_bucket.is_not(None), "bucket")
    unanswered = (
        select(t.day, t.channel, county, t.outcome, t.text_masked, func.count())
        .select_from(joined)
        .where(_day_filter(t.day, days), t.outcome.in_(("clarification", "fallback")))
        .group_by(t.day, t.channel, county, t.outcome, t.text_masked)
    )
    session.execute(
        insert(AnalyticsDailyUnanswered).from_select(
            ["day", "channel", "county", "outcome", "question", "hits"], unanswered
        )
    )

"""Tables that hold what the dashboard shows, and nothing more.

No column holds an ID number, a phone number or a name: conversation and sender keys are keyed hashes, message
texts are masked (:func:`bot.privacy.mask_pii`) before they are written, slot values are kept only for the
county and the clause asked. The ``analytics_daily_*`` tables are pre-aggregated per day, channel and county so
that a year of figures is read from a few thousand rows instead of millions of turns.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String

from bot.cases.models import (
    Base,
    JobSeekingRegistration,
    Person,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
)

# Outcomes of a user turn.
OUTCOMES = ("answered", "clarification", "fallback", "handoff")


class AnalyticsConversation(Base):
    """One Rasa session of one sender."""

    __tablename__ = "analytics_conversations"

    id = Column(String(32), primary_key=True)
    sender_key = Column(String(32), nullable=False)
    started_ts = Column(Float, nullable=False)  # seconds since the epoch, UTC
    day = Column(Date, nullable=False)  # in China Standard Time
    channel = Column(String(32))
    county = Column(String(32))
    handed_off = Column(Boolean, nullable=False, default=False)

    __table_args__ = (
        Index("ix_analytics_conversations_sender_started", "sender_key", "started_ts"),
        Index("ix_analytics_conversations_day", "day", "channel", "county"),
    )


class AnalyticsTurn(Base):
    """One user message and how the assistant dealt with it."""

    __tablename__ = "analytics_turns"

    id = Column(String(32), primary_key=True)
    conversation_id = Column(String(32), nullable=False)
    sender_key = Column(String(32), nullable=False)
    ts = Column(Float, nullable=False)
    day = Column(Date, nullable=False)
    channel = Column(String(32), nullable=False)
    county = Column(String(32))  # the conversation's, copied so that a county's drill-down needs no join (0007)
    intent = Column(String(64))
    confidence = Column(Float)
    text_masked = Column(String(500), nullable=False, default="")
    outcome = Column(String(16), nullable=False, default="answered")
    clause = Column(String(64))
    response_ms = Column(Integer)
    response_bucket = Column(Integer)  # see bot.analytics.ingest.latency_bucket

    __table_args__ = (
        Index("ix_analytics_turns_sender_ts", "sender_key", "ts"),
        Index("ix_analytics_turns_conversation", "conversation_id"),
        Index("ix_analytics_turns_day_channel", "day", "channel"),
        Index("ix_analytics_turns_day_outcome", "outcome", "day"),
        Index("ix_analytics_turns_intent_day", "intent", "day"),
        Index("ix_analytics_turns_clause_day", "clause", "day"),
        # A county's drill-down by intent, clause or outcome (0007).
        Index("ix_analytics_turns_county_intent_day", "county", "intent", "day"),
        Index("ix_analytics_turns_county_clause_day", "county", "clause", "day"),
        Index("ix_analytics_turns_county_outcome_day", "county", "outcome", "day"),
    )


def _dims() -> tuple[Column, Column, Column]:
    return (
        Column("day", Date, primary_key=True),
        Column("channel", String(32), primary_key=True),
        Column("county", String(32), primary_key=True),  # "" when the conversation named no county
    )


class AnalyticsDaily(Base):
    """Conversations and turns per day, channel and county."""

    __tablename__ = "analytics_daily"

    day, channel, county = _dims()
    conversations = Column(Integer, nullable=False, default=0)
    handoffs = Column(Integer, nullable=False, default=0)
    turns = Column(Integer, nullable=False, default=0)
    clarifications = Column(Integer, nullable=False, default=0)
    fallbacks = Column(Integer, nullable=False, default=0)


class AnalyticsDailyIntent(Base):
    """Turns per day, channel, county and intent."""

    __tablename__ = "analytics_daily_intents"

    day, channel, county = _dims()
    intent = Column(String(64), primary_key=True)
    turns = Column(Integer, nullable=False)


class AnalyticsDailyClause(Base):
    """Turns answered with a clause, per day, channel, county and clause (``document_id#number``)."""

    __tablename__ = "analytics_daily_clauses"

    day, channel, county = _dims()
    clause = Column(String(64), primary_key=True)
    turns = Column(Integer, nullable=False)


class AnalyticsDailyLatency(Base):
    """A histogram of response times per day, channel and county (bucket: lower bound in ms)."""

    __tablename__ = "analytics_daily_latency"

    day, channel, county = _dims()
    bucket = Column(Integer, primary_key=True)
    turns = Column(Integer, nullable=False)


class AnalyticsDailyUnanswered(Base):
    """Messages that reached the clarification or the fallback, grouped by their masked, normalised text."""

    __tablename__ = "analytics_daily_unanswered"

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    channel = Column(String(32), nullable=False)
    county = Column(String(32), nullable=False)
    outcome = Column(String(16), nullable=False)
    question = Column(String(500), nullable=False)
    hits = Column(Integer, nullable=False)

    __table_args__ = (Index("ix_analytics_daily_unanswered_day", "day", "channel", "county"),)


class MonitorSnapshot(Base):
    """Persons by county, category and employment status on one day (动态监测 over time)."""

    __tablename__ = "monitor_snapshots"

    day = Column(Date, primary_key=True)
    county = Column(String(32), primary_key=True)
    category = Column(String(32), primary_key=True)
    employment_status = Column(String(32), primary_key=True)
    persons = Column(Integer, nullable=False)


class AnalyticsDailyRequests(Base):
    """Requests of each kind per day of creation (China Standard Time), county and status.

    Recomputed from the case tables by :func:`bot.analytics.case_figures.refresh_case_figures`; ``week`` is the
    Monday of ``day``, stored so that the weekly chart groups without a date function per row.
    """

    __tablename__ = "analytics_daily_requests"

    kind = Column(String(16), primary_key=True)  # a key of bot.analytics.queries.REQUEST_KINDS
    day = Column(Date, primary_key=True)
    county = Column(String(32), primary_key=True)  # "" when the person has no Linyi county
    status = Column(String(32), primary_key=True)
    week = Column(Date, nullable=False)
    requests = Column(Integer, nullable=False)


class AnalyticsFollowupDaily(Base):
    """Open job-seeking registrations of people still without work, per day registered and county."""

    __tablename__ = "analytics_followup_daily"

    day = Column(Date, primary_key=True)
    county = Column(String(32), primary_key=True)
    persons = Column(Integer, nullable=False)


class AnalyticsState(Base):
    """Small named values of the ingest process (e.g. when the last snapshot was taken)."""

    __tablename__ = "analytics_state"

    name = Column(String(64), primary_key=True)
    value = Column(String(200), nullable=False)


# Indexes on case tables that the 动态监测 queries need (created by migration 0004).
Index("ix_persons_monitor", Person.county, Person.category, Person.employment_status)
Index("ix_persons_status_county", Person.employment_status, Person.county)
for _model in (JobSeekingRegistration, TransportRequest, TrainingEnrolment, SubsidyApplication):
    Index(f"ix_{_model.__tablename__}_created_at", _model.created_at)

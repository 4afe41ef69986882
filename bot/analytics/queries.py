"""The dashboard's figures, as plain data, on SQLite and PostgreSQL alike.

Two panels: :func:`monitor_panel` (动态监测, from the case database and the daily snapshots) and
:func:`enquiry_panel` (what users ask, from the pre-aggregated ``analytics_daily_*`` tables). The ``*_rows``
functions return the rows behind a figure, masked, for the drill-down pages and the exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.analytics.case_figures import ITEM_KINDS, REQUEST_TABLES, STATE_KEY, request_person
from bot.analytics.ingest import CHINA, bucket_middle
from bot.analytics.tables import (
    AnalyticsConversation,
    AnalyticsDaily,
    AnalyticsDailyClause,
    AnalyticsDailyIntent,
    AnalyticsDailyLatency,
    AnalyticsDailyRequests,
    AnalyticsDailyUnanswered,
    AnalyticsFollowupDaily,
    AnalyticsState,
    AnalyticsTurn,
    MonitorSnapshot,
)
from bot.cases.models import (
    JobSeekingRegistration,
    Person,
)
from policy_kb.vocabulary import CLOSED_STATUSES, ITEM_KIND_LABELS

CLOSED = tuple(sorted(CLOSED_STATUSES))
ROW_LIMIT = 200
# What the request kinds are called on the page, and their tables.
REQUEST_KINDS: dict[str, tuple[str, Any]] = {
    kind: (ITEM_KIND_LABELS[ITEM_KINDS[kind]], table) for kind, table in REQUEST_TABLES.items()
}


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, China Standard Time days), county and channel (``None``: all)."""

    start: dt.date
    end: dt.date
    county: str | None = None
    channel: str | None = None

    def start_dt(self) -> dt.datetime:
        """The start as a UTC datetime (case tables store UTC)."""
        return dt.datetime.combine(self.start, dt.time(), CHINA).astimezone(dt.timezone.utc)

    def end_dt(self) -> dt.datetime:
        """The exclusive end as a UTC datetime."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.timezone.utc)


def _naive(value: dt.datetime) -> dt.datetime:
    """SQLite stores UTC without an offset; comparing with naive UTC values works on both dialects."""
    return value.replace(tzinfo=None)


def _when(conn: Connection, value: dt.datetime) -> dt.datetime:
    return _naive(value) if conn.dialect.name == "sqlite" else value


def _daily_where(table: Any, f: Filters) -> list[ColumnElement]:
    where = [table.day.between(f.start, f.end)]
    if f.county is not None:
        where.append(table.county == f.county)
    if f.channel is not None:
        where.append(table.channel == f.channel)
    return where


# -- 咨询情况 ---------------------------------------------------------------------------------------------------


def median_from_histogram(buckets: list[tuple[int, int]]) -> float | None:
    """The median of a latency histogram ``[(bucket, count)]`` (middle of the bucket holding it)."""
    total = sum(n for _, n in buckets)
    if not total:
        return None
    seen = 0
    for bucket, n in sorted(buckets):
        seen += n
        if seen * 2 >= total:
            return bucket_middle(bucket)
    return None  # pragma: no cover


def enquiry_panel(conn: Connection, f: Filters, clause_info: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    """Conversations and turns per day and channel, totals and rates, top intents and clauses, unanswered
    questions and the median response time.

    Args:
        conn: a connection to the case database.
        f: the filters.
        clause_info: ``document_id#number`` → ``{"label", "title", "validity"}`` (from the knowledge base).
    """
    d = AnalyticsDaily
    per_day = conn.execute(
        select(d.day, d.channel, func.sum(d.conversations), func.sum(d.turns))
        .where(*_daily_where(d, f))
        .group_by(d.day, d.channel)
        .order_by(d.day, d.channel)
    ).all()
    totals = conn.execute(
        select(
            func.coalesce(func.sum(d.conversations), 0),
            func.coalesce(func.sum(d.handoffs), 0),
            func.coalesce(func.sum(d.turns), 0),
            func.coalesce(func.sum(d.clarifications), 0),
            func.coalesce(func.sum(d.fallbacks), 0),
        ).where(*_daily_where(d, f))
    ).one()
    conversations, handoffs, turns, clarifications, fallbacks = (int(x) for x in totals)

    def top(table: Any, column: Any, limit: int = 10) -> list[tuple[str, int]]:
        total = func.sum(table.turns)
        rows = conn.execute(
            select(column, total)
            .where(*_daily_where(table, f))
            .group_by(column)
            .order_by(total.desc(), column)
            .limit(limit)
        ).all()
        return [(name, int(n)) for name, n in rows]

    u = AnalyticsDailyUnanswered
    hits = func.sum(u.hits)
    unanswered = conn.execute(
        select(u.outcome, u.question, hits)
        .where(*_daily_where(u, f))
        .group_by(u.outcome, u.question)
        .order_by(hits.desc(), u.question)
        .limit(20)
    ).all()
    lat = AnalyticsDailyLatency
    histogram = conn.execute(
        select(lat.bucket, func.sum(lat.turns)).where(*_daily_where(lat, f)).group_by(lat.bucket)
    ).all()
    return {
        "per_day": [
            {"day": day.isoformat(), "channel": channel, "conversations": int(c), "turns": int(t)}
            for day, channel, c, t in per_day
        ],
        "conversations": conversations,
        "turns": turns,
        "handoffs": handoffs,
        "clarifications": clarifications,
        "fallbacks": fallbacks,
        "handoff_rate": handoffs / conversations if conversations else None,
        "containment": (conversations - handoffs) / conversations if conversations else None,
        "median_response_ms": median_from_histogram([(int(b), int(n)) for b, n in histogram]),
        "intents": [{"intent": name, "turns": n} for name, n in top(AnalyticsDailyIntent, AnalyticsDailyIntent.intent)],
        "clauses": [
            {"clause": ref, "turns": n, **clause_info(ref)}
            for ref, n in top(AnalyticsDailyClause, AnalyticsDailyClause.clause)
        ],
        "unanswered": [{"outcome": o, "question": q, "hits": int(n)} for o, q, n in unanswered],
    }


def turn_rows(
    conn: Connection,
    f: Filters,
    *,
    intent: str | None = None,
    clause: str | None = None,
    outcome: str | None = None,
    question: str | None = None,
    handed_off: bool | None = None,
    day: dt.date | None = None,
    limit: int | None = ROW_LIMIT,
) -> list[dict[str, Any]]:
    """The turns behind a figure (texts are masked), newest day first."""
    t, c = AnalyticsTurn, AnalyticsConversation
    start, end = (day, day) if day else (f.start, f.end)
    where: list[ColumnElement] = [t.day.between(start, end)]
    if f.channel is not None:
        where.append(t.channel == f.channel)
    if f.county is not None:
        where.append(t.county == f.county)
    if intent is not None:
        where.append(t.intent == intent)
    if clause is not None:
        where.append(t.clause == clause)
    if outcome is not None:
        where.append(t.outcome == outcome)
    if question is not None:
        where.append(t.text_masked == question)
    if handed_off is not None:
        where.append(c.handed_off.is_(handed_off))
    query = (
        select(
            t.ts,
            t.day,
            t.channel,
            t.county,
            t.intent,
            t.confidence,
            t.outcome,
            t.clause,
            t.response_ms,
            t.text_masked,
            c.id,
        )
        .select_from(t.__table__.join(c.__table__, t.conversation_id == c.id))
        .where(*where)
        .order_by(t.day.desc())
    )
    if limit:
        query = query.limit(limit)
    return [
        {
            "time": dt.datetime.fromtimestamp(ts, dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S"),
            "channel": channel,
            "county": county or "",
            "intent": intent_ or "",
            "confidence": round(conf, 3) if conf is not None else None,
            "outcome": outcome_,
            "clause": clause_ or "",
            "response_ms": ms,
            "text": text_,
            "conversation": cid[:8],
        }
        for ts, _day, channel, county, intent_, conf, outcome_, clause_, ms, text_, cid in conn.execute(query)
    ]


def filter_options(conn: Connection) -> dict[str, list[str]]:
    """Channels and counties that occur in the data, for the filter menus."""
    channels = conn.execute(select(AnalyticsDaily.channel).distinct().order_by(AnalyticsDaily.channel)).scalars()
    counties = conn.execute(
        select(func.coalesce(Person.county, "")).distinct().order_by(func.coalesce(Person.county, ""))
    ).scalars()
    return {"channels": list(channels), "counties": [c for c in counties if c]}


# -- 动态监测 ---------------------------------------------------------------------------------------------------


def monitor_panel(conn: Connection, f: Filters, followup_days: int, today: dt.date) -> dict[str, Any]:
    """Persons by county × category × employment status, their change over time, requests by status and week,
    and the follow-up figures (registered people still without work after ``followup_days``).

    Read from the figures the ingest process pre-aggregates (:mod:`bot.analytics.case_figures`); the matrix is
    the latest snapshot. ``refreshed_at`` says when they were computed (``None``: not yet).
    """
    s = MonitorSnapshot
    latest = conn.execute(select(func.max(s.day)).where(s.day <= today)).scalar_one_or_none()
    matrix_query = (
        select(s.county, s.category, s.employment_status, s.persons)
        .where(s.day == latest)
        .order_by(s.county, s.category, s.employment_status)
    )
    if f.county is not None:
        matrix_query = matrix_query.where(s.county == f.county)
    matrix = [
        {"county": c, "category": cat, "employment_status": st, "persons": int(n)}
        for c, cat, st, n in conn.execute(matrix_query)
    ]
    trend_query = (
        select(s.day, s.employment_status, func.sum(s.persons))
        .where(s.day.between(f.start, f.end))
        .group_by(s.day, s.employment_status)
        .order_by(s.day)
    )
    if f.county is not None:
        trend_query = trend_query.where(s.county == f.county)
    trend = [
        {"day": day.isoformat(), "employment_status": st, "persons": int(n)} for day, st, n in conn.execute(trend_query)
    ]
    r = AnalyticsDailyRequests
    total = func.sum(r.requests)
    query = (
        select(r.kind, r.week, r.status, total)
        .where(r.day.between(f.start, f.end))
        .group_by(r.kind, r.week, r.status)
        .order_by(r.kind, r.week, r.status)
    )
    if f.county is not None:
        query = query.where(r.county == f.county)
    requests: dict[str, list[dict[str, Any]]] = {kind: [] for kind in REQUEST_KINDS}
    for kind, week, status, n in conn.execute(query):
        requests[kind].append({"week": week.isoformat(), "status": status, "count": int(n)})
    state = conn.execute(select(AnalyticsState.value).where(AnalyticsState.name == STATE_KEY)).scalar_one_or_none()
    return {
        "matrix": matrix,
        "trend": trend,
        "requests": requests,
        "followup": followup_counts(conn, f, followup_days, today),
        "refreshed_at": float(state) if state is not None else None,
    }


def followup_counts(conn: Connection, f: Filters, days: int, today: dt.date) -> list[dict[str, Any]]:
    """Registered people still without work ``days`` after registering, per county (pre-aggregated)."""
    d = AnalyticsFollowupDaily
    total = func.sum(d.persons)
    query = select(d.county, total).where(d.day < today - dt.timedelta(days=days)).group_by(d.county)
    if f.county is not None:
        query = query.where(d.county == f.county)
    rows = conn.execute(query.order_by(total.desc(), d.county)).all()
    return [{"county": c, "persons": int(n)} for c, n in rows]


def _followup_where(conn: Connection, f: Filters, days: int, today: dt.date) -> list[ColumnElement]:
    # Registered before the China Standard Time day today − days, like the pre-aggregated counts.
    cutoff = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), CHINA).astimezone(dt.timezone.utc)
    r = JobSeekingRegistration
    where = [
        r.status.not_in(CLOSED),
        r.created_at < _when(conn, cutoff),
        Person.employment_status == "unemployed",
    ]
    if f.county is not None:
        where.append(Person.county == f.county)
    return where


def followup_rows(
    conn: Connection, f: Filters, days: int, today: dt.date, limit: int | None = ROW_LIMIT
) -> list[dict[str, Any]]:
    """The follow-up list: registration reference, county, township, category, work wanted, days waiting.

    Names, ID and phone numbers are not part of it: the county office opens the registration by its reference.
    """
    r = JobSeekingRegistration
    query = (
        select(
            r.reference,
            func.coalesce(Person.county, ""),
            Person.township,
            Person.category,
            r.work_wanted,
            r.local_or_away,
            r.status,
            r.created_at,
        )
        .select_from(r.__table__.join(Person.__table__, Person.id == r.person_id))
        .where(*_followup_where(conn, f, days, today))
        .order_by(r.created_at)
    )
    if limit:
        query = query.limit(limit)
    out = []
    for ref, county, township, category, work, where, status, created in conn.execute(query):
        created_day = created.date() if isinstance(created, dt.datetime) else dt.date.fromisoformat(str(created)[:10])
        out.append(
            {
                "reference": ref or "",
                "county": county,
                "township": township or "",
                "category": category,
                "work_wanted": work,
                "local_or_away": where,
                "status": status,
                "registered": created_day.isoformat(),
                "days_waiting": (today - created_day).days,
            }
        )
    return out


def request_rows(conn: Connection, f: Filters, kind: str, status: str | None, week: str | None) -> list[dict[str, Any]]:
    """The requests behind a bar of the weekly chart: reference, status, date and county (no personal data)."""
    table, person_col = REQUEST_KINDS[kind][1], request_person(kind)
    if week:  # the China Standard Time week of the bar, within the filter's dates
        monday = dt.date.fromisoformat(week)
        f = Filters(max(f.start, monday), min(f.end, monday + dt.timedelta(days=6)), f.county, f.channel)
    start, end = _when(conn, f.start_dt()), _when(conn, f.end_dt())
    query = (
        select(table.reference, table.status, table.created_at, func.coalesce(Person.county, ""))
        .select_from(table.__table__.outerjoin(Person.__table__, Person.id == person_col))
        .where(table.created_at >= start, table.created_at < end)
        .order_by(table.created_at.desc())
        .limit(ROW_LIMIT)
    )
    if status:
        query = query.where(table.status == status)
    if f.county is not None:
        query = query.where(Person.county == f.county)
    return [
        {"reference": ref or "", "status": st, "created": str(created)[:19], "county": county}
        for ref, st, created, county in conn.execute(query)
    ]


def person_rows(conn: Connection, f: Filters, category: str | None, status: str | None) -> list[dict[str, Any]]:
    """Counts behind a cell of the matrix, by township (persons are not listed one by one)."""
    county = func.coalesce(Person.county, "")
    where: list[ColumnElement] = [literal(True)]
    if f.county is not None:
        where.append(Person.county == f.county)
    if category:
        where.append(Person.category == category)
    if status:
        where.append(Person.employment_status == status)
    rows = conn.execute(
        select(county, func.coalesce(Person.township, ""), Person.category, Person.employment_status, func.count())
        .where(and_(*where))
        .group_by(county, func.coalesce(Person.township, ""), Person.category, Person.employment_status)
        .order_by(func.count().desc())
        .limit(ROW_LIMIT)
    ).all()
    return [
        {"county": c, "township": t, "category": cat, "employment_status": st, "persons": int(n)}
        for c, t, cat, st, n in rows
    ]

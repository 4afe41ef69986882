"""The 动态监测 figures, pre-aggregated from the case tables by the ingest process.

A year of a city (200 000 persons, over 200 000 requests) is too much to group on every page view. Every
``ANALYTICS_CASE_REFRESH_SECONDS`` the ingest process recomputes, in one transaction and inside the database:

- today's :class:`~bot.analytics.tables.MonitorSnapshot` (persons by county × category × employment status; the
  panel's matrix is the latest snapshot, the trend is the snapshots over time);
- :class:`~bot.analytics.tables.AnalyticsDailyRequests`: requests of each kind per day, county and status;
- :class:`~bot.analytics.tables.AnalyticsFollowupDaily`: open registrations of people still without work, per day
  registered and county (the follow-up count for *N* days is a sum over the days before today − *N*).

Days are China Standard Time days, like the dashboard's date filters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, String, cast, delete, func, insert, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.analytics.tables import AnalyticsDailyRequests, AnalyticsFollowupDaily, AnalyticsState, MonitorSnapshot
from bot.cases.models import (
    JobSeekingRegistration,
    Person,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
)
from policy_kb.vocabulary import CLOSED_STATUSES

# The request kinds of the weekly charts and the person whose county a request counts for.
REQUEST_TABLES: dict[str, Any] = {
    "registration": JobSeekingRegistration,
    "transport": TransportRequest,
    "training": TrainingEnrolment,
    "subsidy": SubsidyApplication,
}
# The same kinds in the vocabulary's item kinds (their labels).
ITEM_KINDS = {
    "registration": "registration",
    "transport": "transport_request",
    "training": "training_enrolment",
    "subsidy": "subsidy_application",
}
STATE_KEY = "case_figures_at"


def request_person(kind: str) -> Any:
    """The person-id column whose county a request of ``kind`` counts for."""
    table = REQUEST_TABLES[kind]
    if kind == "subsidy":
        return func.coalesce(table.beneficiary_person_id, table.applicant_person_id)
    return table.person_id


def china_day(dialect: str, column: Any) -> ColumnElement:
    """The China Standard Time day of a UTC timestamp column, as a date."""
    if dialect == "sqlite":
        return func.date(column, "+8 hours")
    return cast(func.timezone("Asia/Shanghai", column), Date)


def china_week(dialect: str, column: Any) -> ColumnElement:
    """The Monday of the China Standard Time week of a UTC timestamp column, as a date."""
    if dialect == "sqlite":
        return func.date(column, "+8 hours", "-6 days", "weekday 1")
    return cast(func.date_trunc("week", func.timezone("Asia/Shanghai", column)), Date)


def take_snapshot(session: Session, day: dt.date) -> int:
    """Store the persons by county × category × employment status of ``day`` (replacing an earlier one)."""
    session.execute(delete(MonitorSnapshot).where(MonitorSnapshot.day == day))
    county = func.coalesce(Person.county, "")
    query = select(literal(day, Date), county, Person.category, Person.employment_status, func.count()).group_by(
        county, Person.category, Person.employment_status
    )
    result = session.execute(
        insert(MonitorSnapshot).from_select(["day", "county", "category", "employment_status", "persons"], query)
    )
    return int(result.rowcount or 0)


def refresh_requests(session: Session) -> None:
    """Recompute the requests per kind, day, county and status."""
    dialect = session.get_bind().dialect.name
    session.execute(delete(AnalyticsDailyRequests))
    county = func.coalesce(Person.county, "")
    for kind, table in REQUEST_TABLES.items():
        day, week = china_day(dialect, table.created_at), china_week(dialect, table.created_at)
        query = (
            select(literal(kind, String), day, county, table.status, week, func.count())
            .select_from(table.__table__.outerjoin(Person.__table__, Person.id == request_person(kind)))
            .group_by(day, county, table.status, week)
        )
        session.execute(
            insert(AnalyticsDailyRequests).from_select(["kind", "day", "county", "status", "week", "requests"], query)
        )


def refresh_followup(session: Session) -> None:
    """Recompute the open registrations of people without work per day registered and county."""
    dialect = session.get_bind().dialect.name
    session.execute(delete(AnalyticsFollowupDaily))
    r = JobSeekingRegistration
    day, county = china_day(dialect, r.created_at), func.coalesce(Person.county, "")
    query = (
        select(day, county, func.count())
        .select_from(r.__table__.join(Person.__table__, Person.id == r.person_id))
        .where(r.status.not_in(sorted(CLOSED_STATUSES)), Person.employment_status == "unemployed")
        .group_by(day, county)
    )
    session.execute(insert(AnalyticsFollowupDaily).from_select(["day", "county", "persons"], query))


def refresh_case_figures(session: Session, today: dt.date, now: float) -> None:
    """Recompute every pre-aggregated case figure and remember when (``now``, seconds since the epoch)."""
    take_snapshot(session, today)
    refresh_requests(session)
    refresh_followup(session)
    state = session.get(AnalyticsState, STATE_KEY)
    if state is None:
        session.add(AnalyticsState(name=STATE_KEY, value=f"{now:.3f}"))
    else:
        state.value = f"{now:.3f}"


def refreshed_at(session: Session) -> float | None:
    """When the case figures were last recomputed (seconds since the epoch), or ``None``."""
    state = session.get(AnalyticsState, STATE_KEY)
    return float(state.value) if state is not None else None


def refresh_if_due(engine: Engine, today: dt.date, now: float, every_seconds: float) -> bool:
    """Recompute the case figures when the last computation is older than ``every_seconds``."""
    with Session(engine, future=True) as session, session.begin():
        last = refreshed_at(session)
        if last is not None and now - last < every_seconds:
            return False
        refresh_case_figures(session, today, now)
    return True

"""The pre-aggregated 动态监测 figures equal direct SQL over the case tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.analytics.case_figures import refresh_case_figures, refresh_if_due
from bot.analytics.queries import Filters, followup_counts, followup_rows, monitor_panel, request_rows
from bot.cases.models import Person, TransportRequest

TODAY = dt.date(2026, 12, 2)
UTC = dt.timezone.utc
CHINA = dt.timezone(dt.timedelta(hours=8))
# 2026-11-29 is a Sunday. 23:00 on it in China is 15:00 UTC; 01:30 on Monday the 30th is 17:30 UTC on the 29th.
SUNDAY_NIGHT = dt.datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
MONDAY_NIGHT = dt.datetime(2026, 11, 29, 17, 30, tzinfo=UTC)


def _now() -> float:
    return dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC).timestamp()


def _add_rides(engine: Engine) -> int:
    """Two rides of one person an hour and a half apart in UTC, in different weeks in China; returns the person."""
    with Session(engine, future=True) as session, session.begin():
        person_id = session.execute(select(Person.id).where(Person.county.is_not(None)).limit(1)).scalar_one()
        for n, created in enumerate((SUNDAY_NIGHT, MONDAY_NIGHT)):
            session.execute(
                insert(TransportRequest).values(
                    reference=f"CX-TEST-{n}",
                    person_id=person_id,
                    destination=f"江苏昆山{n}",
                    departure_date=dt.date(2026, 12, 20),
                    party_size=1,
                    status="submitted",
                    created_at=created,
                    updated_at=created,
                )
            )
        return int(person_id)


def _refresh(engine: Engine) -> None:
    with Session(engine, future=True) as session, session.begin():
        refresh_case_figures(session, TODAY, _now())


def test_weekly_requests_follow_china_weeks_and_equal_direct_counts(case_db: tuple[str, Engine]) -> None:
    _url, engine = case_db
    person_id = _add_rides(engine)
    _refresh(engine)
    with engine.connect() as conn:
        county = conn.execute(select(Person.county).where(Person.id == person_id)).scalar_one()
        week = Filters(dt.date(2026, 11, 23), dt.date(2026, 11, 30))
        panel = monitor_panel(conn, week, 30, TODAY)
        rides = {(r["week"], r["status"]): r["count"] for r in panel["requests"]["transport"]}
        # Sunday 23:00 belongs to the week of Monday 11-23, Monday 01:30 to the week of 11-30.
        assert rides[("2026-11-23", "submitted")] >= 1 and rides[("2026-11-30", "submitted")] >= 1
        # Every kind's total over the whole range equals a direct count of its table. The range ends no earlier than
        # today in China: the demo rows are stamped with the real clock when they are seeded.
        until = max(TODAY, dt.datetime.now(CHINA).date())
        everything = Filters(dt.date(2000, 1, 1), until)
        panel = monitor_panel(conn, everything, 30, TODAY)
        for kind, table in (("transport", "transport_requests"), ("registration", "job_seeking_registrations")):
            direct = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            assert sum(r["count"] for r in panel["requests"][kind]) == direct > 0
        # A county's figures equal a direct join.
        mine = monitor_panel(conn, Filters(dt.date(2000, 1, 1), until, county), 30, TODAY)
        direct = conn.execute(
            text("SELECT COUNT(*) FROM transport_requests r JOIN persons p ON p.id = r.person_id WHERE p.county = :c"),
            {"c": county},
        ).scalar_one()
        assert sum(r["count"] for r in mine["requests"]["transport"]) == direct >= 2
        # The bar's drill-down lists exactly the requests of that China week.
        monday = request_rows(conn, week, "transport", "submitted", "2026-11-30")
        assert "CX-TEST-1" in {r["reference"] for r in monday}
        assert "CX-TEST-0" not in {r["reference"] for r in monday}


def test_matrix_is_the_current_persons_and_followup_counts_match_the_list(case_db: tuple[str, Engine]) -> None:
    _url, engine = case_db
    with engine.begin() as conn:
        # Registrations of various ages, so that the follow-up counts depend on the number of days.
        for n, (rid,) in enumerate(conn.execute(text("SELECT id FROM job_seeking_registrations ORDER BY id"))):
            conn.execute(
                text("UPDATE job_seeking_registrations SET created_at = :at WHERE id = :id"),
                {"at": dt.datetime(2026, 9, 1, tzinfo=UTC) + dt.timedelta(days=15 * n), "id": rid},
            )
    _refresh(engine)
    with engine.connect() as conn:
        f = Filters(dt.date(2026, 1, 1), TODAY)
        panel = monitor_panel(conn, f, 30, TODAY)
        direct = conn.execute(
            select(func.coalesce(Person.county, ""), Person.category, Person.employment_status, func.count()).group_by(
                func.coalesce(Person.county, ""), Person.category, Person.employment_status
            )
        ).all()
        assert {(r["county"], r["category"], r["employment_status"]): r["persons"] for r in panel["matrix"]} == {
            (c, cat, st): n for c, cat, st, n in direct
        }
        seen = set()
        for days in (1, 20, 45, 90, 365):
            counted = sum(r["persons"] for r in followup_counts(conn, f, days, TODAY))
            assert counted == len(followup_rows(conn, f, days, TODAY, limit=None))
            seen.add(counted)
        assert len(seen) >= 3 and 0 in seen  # the ages matter, and nobody has waited a year


def test_figures_are_recomputed_when_due_not_on_every_round(case_db: tuple[str, Engine]) -> None:
    _url, engine = case_db
    everything = Filters(dt.date(2000, 1, 1), TODAY)

    def rides() -> int:
        with engine.connect() as conn:
            return sum(r["count"] for r in monitor_panel(conn, everything, 30, TODAY)["requests"]["transport"])

    assert refresh_if_due(engine, TODAY, _now(), every_seconds=60)
    before = rides()
    _add_rides(engine)
    assert not refresh_if_due(engine, TODAY, _now() + 30, every_seconds=60)
    assert rides() == before
    assert refresh_if_due(engine, TODAY, _now() + 61, every_seconds=60)
    assert rides() == before + 2
    with engine.connect() as conn:
        assert monitor_panel(conn, everything, 30, TODAY)["refreshed_at"] == _now() + 61

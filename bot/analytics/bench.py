"""Volume benchmark of the dashboard's queries: a year of a city's data on SQLite and PostgreSQL.

``python -m bot.analytics.bench`` (``make bench-dashboard``) migrates a fresh SQLite file under ``var/bench/`` and
a fresh schema of the PostgreSQL ``test`` database, fills both with generated data by bulk inserts (default
200 000 persons, 5 000 000 turns), builds the daily tables the way the ingest process does, then runs each
panel's queries with varied filters and prints the p50/p95 per panel. All generated data is fictional and holds
no personal data: ID, phone and name columns get placeholders that cannot be valid numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.analytics.case_figures import refresh_case_figures
from bot.analytics.ingest import CHINA, latency_bucket, refresh_days
from bot.analytics.queries import Filters, enquiry_panel, followup_rows, monitor_panel, turn_rows
from bot.cases.admin import migrate
from bot.cases.sql_store import build_engine
from bot.settings import PROJECT_ROOT

COUNTIES = (
    "兰山区",
    "罗庄区",
    "河东区",
    "沂南县",
    "郯城县",
    "沂水县",
    "兰陵县",
    "费县",
    "平邑县",
    "莒南县",
    "蒙阴县",
    "临沭县",
)
CATEGORIES = ("poverty_alleviated", "edge_of_poverty", "relocated", "central_western_migrant", "other")
EMPLOYMENT = ("employed", "unemployed", "flexible", "public_welfare_post", "self_employed")
STATUSES = ("submitted", "in_review", "approved", "rejected", "completed", "cancelled")
CHANNELS = ("wechat", "rest")
INTENTS = (
    "ask_public_welfare_post", "ask_work_for_training", "ask_point_to_point", "ask_labor_export_subsidy",
    "register_job_seeking", "check_status", "greet", "thank", "request_human", "nlu_fallback", "inform",
    "ask_job_retention", "ask_flexible_employment", "sign_up_transport", "check_eligibility",
)  # fmt: skip
CLAUSES = tuple(f"linrenshezi-2021-88#{n}" for n in ("一", "二", "三", "七", "九", "十二", "十三", "十四"))
UNCLEAR = tuple(f"示例含糊问题{i}" for i in range(400))


def _chunks(rows: Iterator[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_insert(engine: Engine, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """Insert ``rows`` fast: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for chunk in _chunks(rows):
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" for _ in columns)
                cursor.execute("BEGIN")  # the engine's connections run in autocommit mode
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", chunk)
                cursor.execute("COMMIT")
            else:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in chunk:
                    writer.writerow(["\\N" if v is None else v for v in row])
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
            count += len(chunk)
        raw.commit()
    finally:
        raw.close()
    return count


def generate(engine: Engine, persons: int, turns: int, end: dt.date, seed: int = 16) -> dict[str, float]:
    """Fill the database with a year of data ending on ``end``; returns seconds per step."""
    rng = random.Random(seed)
    start = end - dt.timedelta(days=364)
    timings: dict[str, float] = {}
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    def moment() -> str:
        day = start + dt.timedelta(days=rng.randrange(365))
        return f"{day.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00"

    t0 = time.perf_counter()
    person_county: list[str | None] = []

    def person_rows() -> Iterator[tuple]:
        for i in range(1, persons + 1):
            category = rng.choices(CATEGORIES, weights=(45, 20, 15, 10, 10))[0]
            county = None if category == "central_western_migrant" else rng.choice(COUNTIES)
            person_county.append(county)
            status = rng.choices(EMPLOYMENT, weights=(45, 25, 15, 10, 5))[0]
            yield (
                i,
                f"B{i:017d}",
                f"bench-{i}",  # stands in for the keyed hash of the ID number
                "示例",
                "00000000000",
                county,
                f"示例镇{i % 40}",
                category,
                status,
                False,
                moment(),
                str(now),
            )

    bulk_insert(
        engine,
        "persons",
        ["id", "id_number", "id_number_hash", "name", "phone", "county", "township", "category", "employment_status",
         "received_work_for_training", "created_at", "updated_at"],
        person_rows(),
    )  # fmt: skip
    registered = rng.sample(range(1, persons + 1), int(persons * 0.6))

    def distinct_persons(count: int) -> list[int]:
        # One open request of a kind per person (the partial unique indexes of migration 0006).
        return rng.sample(range(1, persons + 1), count)

    def registration_rows() -> Iterator[tuple]:
        for n, pid in enumerate(registered, 1):
            status = rng.choices(STATUSES, weights=(30, 25, 30, 5, 5, 5))[0]
            yield (
                n,
                f"DJ-BENCH-{n:08d}",
                pid,
                "普工",
                rng.choice(("local", "away")),
                False,
                False,
                status,
                moment(),
                str(now),
            )

    bulk_insert(
        engine,
        "job_seeking_registrations",
        ["id", "reference", "person_id", "work_wanted", "local_or_away", "needs_transport", "wants_training", "status",
         "created_at", "updated_at"],
        registration_rows(),
    )  # fmt: skip
    bulk_insert(
        engine,
        "transport_requests",
        ["id", "reference", "person_id", "destination", "departure_date", "party_size", "status", "created_at",
         "updated_at"],
        (
            (n, f"CX-BENCH-{n:08d}", pid, "江苏昆山", end.isoformat(), 1 + n % 3, rng.choice(STATUSES), moment(),
             str(now))
            for n, pid in enumerate(distinct_persons(persons // 5), 1)
        ),
    )  # fmt: skip
    bulk_insert(
        engine,
        "training_enrolments",
        ["id", "reference", "person_id", "course", "status", "created_at", "updated_at"],
        (
            (n, f"PX-BENCH-{n:08d}", pid, "家政服务员", rng.choice(STATUSES), moment(), str(now))
            for n, pid in enumerate(distinct_persons(persons // 6), 1)
        ),
    )  # fmt: skip
    bulk_insert(
        engine,
        "subsidy_applications",
        ["id", "reference", "applicant_person_id", "beneficiary_person_id", "clause", "amount_yuan", "months", "status",
         "created_at", "updated_at"],
        (
            (n, f"BT-BENCH-{n:08d}", pid, None, 12, 500, None, rng.choice(STATUSES), moment(), str(now))
            for n, pid in enumerate(distinct_persons(persons // 10), 1)
        ),
    )  # fmt: skip
    timings["case tables"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    combos = [(c, cat, st) for c in (*COUNTIES, "") for cat in CATEGORIES for st in EMPLOYMENT]
    bulk_insert(
        engine,
        "monitor_snapshots",
        ["day", "county", "category", "employment_status", "persons"],
        (
            ((start + dt.timedelta(days=d)).isoformat(), c, cat, st, 50 + (d * 7 + hash((c, cat, st))) % 400)
            for d in range(365)
            for c, cat, st in combos
        ),
    )
    timings["snapshots"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    first_ts = int(dt.datetime.combine(start, dt.time(), CHINA).timestamp())
    generate_conversations(engine, turns, first_ts)
    timings["turns and conversations"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Session(engine, future=True) as session, session.begin():
        refresh_days(session, (start, end))
    timings["daily tables"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Session(engine, future=True) as session, session.begin():
        refresh_case_figures(session, end, time.time())
    timings["case figures"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    timings["analyze"] = time.perf_counter() - t0
    return timings


def _case(expr: str, cumulative: list[tuple[int, str]]) -> str:
    """``CASE`` picking the label whose cumulative bound (out of 100) ``expr`` falls under."""
    arms = " ".join(f"WHEN {expr} < {bound} THEN '{label}'" for bound, label in cumulative[:-1])
    return f"CASE {arms} ELSE '{cumulative[-1][1]}' END"


def _cumulative(labels: tuple[str, ...], weights: tuple[int, ...]) -> list[tuple[int, str]]:
    total, out = 0, []
    for label, weight in zip(labels, weights, strict=True):
        total += weight
        out.append((round(100 * total / sum(weights)), label))
    return out


def generate_conversations(engine: Engine, turns: int, first_ts: int) -> None:
    """Insert ``turns`` turns in conversations of four, spread over a year, inside the database.

    The rows are computed by SQL (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL), so that millions
    of rows do not travel through Python; the mixes of intents, channels and outcomes follow fixed weights.
    """
    sqlite = engine.dialect.name == "sqlite"
    year = 365 * 86400

    def day(ts: str) -> str:
        if sqlite:
            return f"date({ts}, 'unixepoch', '+8 hours')"
        return f"(to_timestamp({ts}) AT TIME ZONE 'Asia/Shanghai')::date"

    def series(limit: int) -> tuple[str, str]:
        if sqlite:
            return f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {limit}) ", "seq"
        return "", f"generate_series(1::bigint, {limit}) AS seq(n)"

    weights = (12, 10, 10, 8, 8, 8, 10, 6, 2, 5, 8, 4, 4, 3, 2)
    intent = _case("(n * 7919) % 100", _cumulative(INTENTS, weights))
    clause = "CASE (n * 17) % 8 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CLAUSES)) + " END"
    buckets = sorted({(latency_bucket(ms), ms) for ms in range(0, 1000)}, key=lambda bm: -bm[1])
    first_ms: dict[Any, int] = {}
    for bucket, ms in sorted(((b, m) for b, m in buckets), key=lambda bm: bm[1]):
        first_ms.setdefault(bucket, ms)
    bucket_case = (
        "CASE "
        + " ".join(f"WHEN response_ms >= {ms} THEN {b}" for b, ms in sorted(first_ms.items(), key=lambda x: -x[1]))
        + " END"
    )
    county = "CASE (c * 7) % 12 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COUNTIES)) + " END"
    prefix, source = series(turns)
    start_ts = f"({first_ts} + (c * 2654435761) % {year})"
    inner = (
        f"SELECT n, (n - 1) / 4 + 1 AS c, {intent} AS intent, 20 + (n * 37) % 97 + (n * 101) % 300 AS response_ms "
        f"FROM {source}"
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN")
        cursor.execute(
            f"{prefix}INSERT INTO analytics_turns (id, conversation_id, sender_key, ts, day, channel, county, intent,"
            " confidence, text_masked, outcome, clause, response_ms, response_bucket) "
            f"SELECT 't' || CAST(n AS TEXT), 'c' || CAST(c AS TEXT), 's' || CAST(c AS TEXT), "
            f"{start_ts} + ((n - 1) % 4) * 20, {day(f'{start_ts} + ((n - 1) % 4) * 20')}, "
            f"CASE WHEN c % 5 = 0 THEN 'rest' ELSE 'wechat' END, CASE WHEN c % 5 < 2 THEN {county} END, intent, 0.8, "
            "CASE WHEN intent = 'nlu_fallback' OR (n * 13) % 100 = 0 "
            "THEN '示例含糊问题' || CAST((n * 31) % 400 AS TEXT) ELSE '示例问题' END, "
            "CASE WHEN intent = 'nlu_fallback' THEN 'clarification' WHEN intent = 'request_human' THEN 'handoff' "
            "WHEN (n * 13) % 100 = 0 THEN 'fallback' ELSE 'answered' END, "
            f"CASE WHEN intent LIKE 'ask%' THEN {clause} END, response_ms, {bucket_case} "
            f"FROM ({inner}) AS generated"
        )
        prefix, source = series(max(1, (turns + 3) // 4))
        cursor.execute(
            f"{prefix}INSERT INTO analytics_conversations (id, sender_key, started_ts, day, channel, county,"
            " handed_off) "
            f"SELECT 'c' || CAST(c AS TEXT), 's' || CAST(c AS TEXT), {start_ts}, {day(start_ts)}, "
            f"CASE WHEN c % 5 = 0 THEN 'rest' ELSE 'wechat' END, CASE WHEN c % 5 < 2 THEN {county} END, 1 = 0 "
            f"FROM (SELECT n AS c FROM {source}) AS generated"
        )
        cursor.execute(
            "UPDATE analytics_conversations SET handed_off = (1 = 1) WHERE id IN "
            "(SELECT conversation_id FROM analytics_turns WHERE outcome = 'handoff')"
        )
        if sqlite:
            cursor.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()


def measure(engine: Engine, end: dt.date, rounds: int, seed: int = 7) -> dict[str, list[float]]:
    """Run each panel ``rounds`` times with varied filters; milliseconds per run, per panel."""
    rng = random.Random(seed)
    results: dict[str, list[float]] = {"动态监测": [], "咨询情况": [], "明细行": []}
    spans = (365, 90, 30, 7)

    def info(ref: str) -> dict[str, str]:
        return {"label": ref, "title": "", "validity": ""}

    for i in range(rounds):
        span = spans[i % len(spans)]
        county = rng.choice((None, None, *COUNTIES))
        channel = rng.choice((None, None, *CHANNELS))
        f = Filters(start=end - dt.timedelta(days=span - 1), end=end, county=county, channel=channel)

        def monitor(conn: Any, f: Filters = f) -> Any:
            return monitor_panel(conn, f, 30, end)

        def enquiries(conn: Any, f: Filters = f) -> Any:
            return enquiry_panel(conn, f, info)

        by = rng.choice(
            (
                {"intent": rng.choice(INTENTS)},
                {"clause": rng.choice(CLAUSES)},
                {"outcome": rng.choice(("clarification", "fallback", "handoff"))},
            )
        )

        def detail_rows(conn: Any, f: Filters = f, by: dict[str, str] = by) -> Any:
            turns = turn_rows(conn, f, intent=by.get("intent"), clause=by.get("clause"), outcome=by.get("outcome"))
            return turns, followup_rows(conn, f, 30, end)

        runs: list[tuple[str, Callable[[Any], Any]]] = [
            ("动态监测", monitor),
            ("咨询情况", enquiries),
            ("明细行", detail_rows),
        ]
        for name, run in runs:
            with engine.connect() as conn:
                t0 = time.perf_counter()
                run(conn)
                results[name].append((time.perf_counter() - t0) * 1000)
    return results


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_one(label: str, url: str, persons: int, turns: int, rounds: int, end: dt.date) -> None:
    """Migrate, generate, measure and print one database's figures."""
    migrate(url)
    engine = build_engine(url)
    try:
        t0 = time.perf_counter()
        timings = generate(engine, persons, turns, end)
        total = time.perf_counter() - t0
        steps = "，".join(f"{k} {v:.0f} s" for k, v in timings.items())
        print(f"[{label}] 生成 {persons} 人、{turns} 轮对话用时 {total:.0f} s（{steps}）", flush=True)
        measure(engine, end, 4)  # warm the caches once
        results = measure(engine, end, rounds)
        for name, values in results.items():
            print(
                f"[{label}] {name}: p50 {statistics.median(values):.0f} ms, p95 {_p95(values):.0f} ms"
                f"（{len(values)} 次，多种筛选条件）",
                flush=True,
            )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.analytics.bench", description="主管看板查询的数据量基准")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--turns", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg", default="postgresql+psycopg2://root@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    end = dt.date(2026, 11, 28)
    if args.only in (None, "sqlite"):
        folder = PROJECT_ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "dashboard.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        run_one("SQLite", f"sqlite:///{path}", args.persons, args.turns, args.rounds, end)
        path.unlink(missing_ok=True)
    if args.only in (None, "postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = build_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            run_one(
                "PostgreSQL", f"{args.pg}?options=-csearch_path%3D{schema}", args.persons, args.turns, args.rounds, end
            )
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

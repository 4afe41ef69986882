"""Concurrent registrations: exactly one record each, also when one person registers many times at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases.models import JobSeekingRegistration, Person
from bot.cases.records import AccessContext, PersonDetails
from bot.cases.sql_store import SqlCaseStore
from bot.validation import id_check_digit

ACCESS = AccessContext(conversation_id="conv-load", channel="rest", purpose="并发测试")


def _id_number(n: int) -> str:
    first17 = f"37132319900101{n:03d}"
    return first17 + id_check_digit(first17)


def _details(n: int) -> PersonDetails:
    return PersonDetails(id_number=_id_number(n), name="测试并发", phone=f"170000{n:05d}", category="relocated")


def _register_all(store: SqlCaseStore, people: list[PersonDetails]) -> list[tuple[Any, bool]]:
    barrier = threading.Barrier(len(people))

    def register(details: PersonDetails) -> tuple[Any, bool]:
        barrier.wait()
        return store.upsert_registration(
            details,
            work_wanted="普工",
            local_or_away="away",
            needs_transport=True,
            wants_training=False,
            access=ACCESS,
        )

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(register, people))


def _count(store: SqlCaseStore, model: type) -> int:
    with Session(store.engine, future=True) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def empty_store(any_db_url: str, store_factory: Any) -> Any:
    store = store_factory(any_db_url, seed=False)
    yield store
    store.close()


def test_fifty_concurrent_registrations_make_fifty_records(empty_store: SqlCaseStore) -> None:
    results = _register_all(empty_store, [_details(n) for n in range(50)])
    assert all(created for _, created in results)
    assert len({registration.reference for registration, _ in results}) == 50
    assert {registration.id_number for registration, _ in results} == {_id_number(n) for n in range(50)}
    assert _count(empty_store, Person) == 50
    assert _count(empty_store, JobSeekingRegistration) == 50


def test_concurrent_registrations_of_one_person_make_one_record(empty_store: SqlCaseStore) -> None:
    results = _register_all(empty_store, [_details(7)] * 20)
    assert sum(created for _, created in results) == 1
    assert len({registration.reference for registration, _ in results}) == 1
    assert _count(empty_store, Person) == 1
    assert _count(empty_store, JobSeekingRegistration) == 1


def test_reads_through_read_only_do_not_wait_for_a_writer(sqlite_url: str) -> None:
    import time as time_mod

    from sqlalchemy import event, text

    from bot.cases.admin import migrate
    from bot.cases.sql_base import build_engine, read_only

    migrate(sqlite_url)
    engine = build_engine(sqlite_url)
    begins: list[str] = []
    event.listen(
        engine, "before_cursor_execute", lambda c, cur, stmt, *a: begins.append(stmt) if "BEGIN" in stmt else None
    )
    writer = engine.connect()
    try:
        writer.begin()  # BEGIN IMMEDIATE: holds the write lock
        writer.execute(text("UPDATE persons SET county = county"))
        started = time_mod.monotonic()
        with read_only(engine).connect() as reader:
            assert reader.execute(text("SELECT COUNT(*) FROM persons")).scalar_one() >= 0
        assert time_mod.monotonic() - started < 2  # a write transaction would wait up to the 30 s busy timeout
    finally:
        writer.rollback()
        writer.close()
        engine.dispose()
    assert begins[:2] == ["BEGIN IMMEDIATE", "BEGIN"]


def test_a_writer_waits_for_the_write_lock_and_gives_up_at_the_limit(sqlite_url: str, monkeypatch) -> None:
    """A write transaction gets the lock once another connection lets go; past the wait limit it fails clearly."""
    import threading

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from bot.cases import sql_base
    from bot.cases.admin import migrate

    migrate(sqlite_url)
    engine = sql_base.build_engine(sqlite_url)
    holder = engine.connect()
    holder.begin()
    holder.execute(text("UPDATE persons SET county = county"))  # holds the write lock
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        with engine.begin() as conn:  # waits until the rollback above
            conn.execute(text("UPDATE persons SET county = county"))
        holder.begin()
        holder.execute(text("UPDATE persons SET county = county"))
        monkeypatch.setattr(sql_base, "WRITE_LOCK_WAIT_S", 0.2)
        with pytest.raises(OperationalError, match="locked"), engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        holder.rollback()
        with engine.begin() as conn:  # the busy timeout is back for the statements after BEGIN
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    finally:
        release.join()
        holder.rollback()
        holder.close()
        engine.dispose()

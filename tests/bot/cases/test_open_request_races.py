"""50 concurrent identical requests of each kind leave exactly one row, on PostgreSQL and SQLite.

The database enforces it (partial unique indexes over open rows, migration 0006): the losers' inserts fail,
their units of work are retried and return the winner's row with its reference.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cases.models import HandoffRequest, SubsidyApplication, TrainingEnrolment, TransportRequest
from bot.cases.records import AccessContext, SubsidyApplicant
from bot.cases.sql_store import SqlCaseStore

ACCESS = AccessContext(conversation_id="conv-race", channel="rest", purpose="并发测试")
LI_QIANG = "371321199207081535"
WORKSHOP = "91371324MA3CDEM038"
CONCURRENT = 50


@pytest.fixture
def store(any_db_url: str, store_factory: Any) -> Any:
    case_store = store_factory(any_db_url, seed=True)
    yield case_store
    case_store.close()


def _at_once(call: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(CONCURRENT)

    def run(_: int) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        return list(pool.map(run, range(CONCURRENT)))


def _rows(store: SqlCaseStore, model: type, *where: Any) -> int:
    with Session(store.engine, future=True) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _one_created_one_reference(results: list[tuple[Any, bool]]) -> str:
    assert sum(created for _, created in results) == 1
    references = {record.reference for record, _ in results}
    assert len(references) == 1
    return references.pop()


def test_transport_requests(store: SqlCaseStore) -> None:
    day = dt.date(2027, 2, 20)
    results = _at_once(
        lambda: store.create_transport_request(
            LI_QIANG, destination="江苏省昆山市", departure_date=day, party_size=2, access=ACCESS
        )
    )
    _one_created_one_reference(results)
    assert _rows(store, TransportRequest, TransportRequest.departure_date == day) == 1


def test_training_enrolments(store: SqlCaseStore) -> None:
    results = _at_once(lambda: store.create_training_enrolment(LI_QIANG, course="电工", access=ACCESS))
    _one_created_one_reference(results)
    assert _rows(store, TrainingEnrolment, TrainingEnrolment.course == "电工") == 1


def test_subsidy_applications(store: SqlCaseStore) -> None:
    applicant = SubsidyApplicant(kind="employer", identifier=WORKSHOP)
    results = _at_once(
        lambda: store.create_subsidy_application(applicant, clause=5, amount_yuan=3000, access=ACCESS, months=6)
    )
    _one_created_one_reference(results)
    assert _rows(store, SubsidyApplication, SubsidyApplication.clause == 5) == 1


def test_handoffs(store: SqlCaseStore) -> None:
    results = _at_once(lambda: store.create_handoff(conversation_id="race-conv", channel="rest", reason="用户要求"))
    assert len({record.reference for record in results}) == 1
    assert _rows(store, HandoffRequest, HandoffRequest.conversation_id == "race-conv") == 1


def test_the_database_itself_refuses_a_second_open_handoff_but_not_after_closing(store: SqlCaseStore) -> None:
    first = store.create_handoff(conversation_id="db-level", channel="rest", reason="用户要求")
    insert = text(
        "INSERT INTO handoff_requests (conversation_id, channel, reason, status, created_at, updated_at) "
        "VALUES ('db-level', 'rest', 'x', 'submitted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert)
    store.set_status(first.reference, "completed")
    with store.engine.begin() as conn:
        conn.execute(insert)  # a closed request does not block a new one

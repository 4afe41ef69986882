"""Failure modes of the case API client against a real loopback server: retries, timeouts, typed errors."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest

from bot.cases import demo_data, make_store
from bot.cases.errors import CaseRequestRefused, CaseSystemUnavailable, IdentityMismatch, InvalidRequest
from bot.cases.http_client import POST_TIMEOUT_MESSAGE, CaseApiClient
from bot.cases.http_store import HttpCaseStore
from bot.cases.identity_guard import GuardedCaseStore
from bot.cases.records import AccessContext, PersonDetails
from bot.cases.sql_store import SqlCaseStore
from bot.settings import Settings

ACCESS = AccessContext(conversation_id="conv-http", channel="rest", purpose="查询办理进度")
LI = demo_data.PERSONS[1]
WANG = demo_data.PERSONS[0]


def _registration_args() -> dict:
    return {
        "work_wanted": "保洁",
        "local_or_away": "local",
        "needs_transport": False,
        "wants_training": True,
        "access": ACCESS,
    }


def _wang() -> PersonDetails:
    return PersonDetails(id_number=WANG.id_number, name=WANG.name, phone=WANG.phone)


def test_a_read_by_id_number_is_retried_after_500s_with_exponential_backoff(
    api_server: Any, http_store_factory: Any
) -> None:
    waits: list[float] = []
    store = http_store_factory(api_server, backoff=0.5, sleep=waits.append)
    api_server.faults.extend([("status", 500), ("status", 503)])
    person = store.find_person(LI.id_number, access=ACCESS)
    assert person is not None and person.name == LI.name
    assert api_server.count("POST", "/persons/lookup") == 3
    assert waits == [0.5, 1.0]


def test_a_read_gives_up_after_max_attempts(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server, max_attempts=3)
    api_server.faults.extend([("status", 502)] * 3)
    with pytest.raises(CaseSystemUnavailable) as info:
        store.get_status(LI.id_number, access=ACCESS)
    assert api_server.count("POST", "/persons/status") == 3
    assert "暂时无法连接" in info.value.user_message


def test_no_id_number_travels_in_a_url(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    store.find_person(LI.id_number, access=ACCESS)
    store.get_status(LI.id_number, access=ACCESS)
    store.audit_entries(LI.id_number)
    store.upsert_registration(_wang(), **_registration_args())
    store.create_transport_request(
        LI.id_number, destination="江苏昆山", departure_date=dt.date(2026, 12, 20), party_size=1, access=ACCESS
    )
    paths = [path for _method, path in api_server.requests]
    assert len(paths) >= 5
    assert not [p for p in paths if LI.id_number in p or WANG.id_number in p]


def test_put_is_retried_and_does_not_duplicate(
    api_server: Any, http_store_factory: Any, api_backend: SqlCaseStore
) -> None:
    store = http_store_factory(api_server)
    api_server.faults.extend([("status", 500), ("status", 500)])
    registration, created = store.upsert_registration(_wang(), **_registration_args())
    assert created is True
    assert api_server.count("PUT", "/registrations") == 3
    statuses = [i for i in api_backend.get_status(WANG.id_number, access=ACCESS) if i.kind == "registration"]
    assert [i.reference for i in statuses] == [registration.reference]


def test_a_post_without_idempotency_key_is_not_retried_on_500(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    api_server.faults.append(("status", 500))
    with pytest.raises(CaseSystemUnavailable):
        store.verify_person(LI.id_number, LI.phone, access=ACCESS)
    assert api_server.count("POST", "/persons/verify") == 1


@pytest.mark.parametrize("fault", [("status", 500), ("lose", 502)])
def test_creating_posts_carry_an_idempotency_key_and_are_retried_without_duplicates(
    api_server: Any, http_store_factory: Any, api_backend: SqlCaseStore, fault: tuple[str, int]
) -> None:
    """A 500 before, or a lost answer after, the request was carried out: the retry returns the one request."""
    store = http_store_factory(api_server)
    api_server.faults.append(fault)
    record, created = store.create_transport_request(
        LI.id_number, destination="青岛", departure_date=dt.date(2027, 3, 1), party_size=1, access=ACCESS
    )
    assert created and record.reference
    assert api_server.count("POST", "/transport-requests") == 2
    assert len(set(api_server.idempotency_keys)) == 1  # a retry is the same submission: same key, first answer
    kinds = [i.kind for i in api_backend.get_status(LI.id_number, access=ACCESS)]
    assert kinds.count("transport_request") == 2  # the demo request and this one, once

    store.create_handoff(conversation_id="conv-keys", channel="rest", reason="想找人工")
    store.create_training_enrolment(LI.id_number, course="电工", access=ACCESS)
    keys = api_server.idempotency_keys
    assert len(set(keys)) == 3  # every submission has a key of its own


def test_get_timeout_then_success(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server, read_timeout=0.3)
    api_server.faults.append(("sleep", 1.5))
    assert store.find_employer(demo_data.EMPLOYERS[0].credit_code) is not None
    assert api_server.count("GET", "/employers/") == 2


def test_post_timeout_is_not_retried_and_says_the_outcome_is_unknown(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server, read_timeout=0.3)
    api_server.faults.append(("sleep", 1.5))
    with pytest.raises(CaseSystemUnavailable) as info:
        store.verify_person(LI.id_number, LI.phone, access=ACCESS)
    assert info.value.user_message == POST_TIMEOUT_MESSAGE
    assert api_server.count("POST", "/persons/verify") == 1


def test_creating_post_timeout_is_retried_with_its_key(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server, read_timeout=0.3)
    api_server.faults.append(("sleep", 1.5))
    record = store.create_handoff(conversation_id="conv-timeout", channel="rest", reason="想找人工")
    assert record.reference
    assert api_server.count("POST", "/handoffs") >= 2


def test_connection_refused_is_unavailable_after_retries() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits: list[float] = []
    client = CaseApiClient(f"http://127.0.0.1:{port}", "t", connect_timeout=1, backoff=0.2, sleep=waits.append)
    with pytest.raises(CaseSystemUnavailable):
        HttpCaseStore(client).find_hr_agency("91371311MA3CDEM04G")
    assert waits == [0.2, 0.4]


def test_wrong_token_is_a_case_system_error(api_server: Any, http_store_factory: Any) -> None:
    store = HttpCaseStore(CaseApiClient(api_server.url, "wrong-token"))
    with pytest.raises(CaseRequestRefused) as info:
        store.find_person(LI.id_number, access=ACCESS)
    assert not isinstance(info.value, CaseSystemUnavailable)
    assert api_server.count("POST", "/persons/lookup") == 1  # 401 is not retried


def test_invalid_json_answer(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    api_server.faults.append(("raw", b"<html>gateway</html>"))
    with pytest.raises(CaseRequestRefused):
        store.find_person(LI.id_number, access=ACCESS)


def test_named_errors_become_typed_errors(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    with pytest.raises(IdentityMismatch):
        store.upsert_registration(
            PersonDetails(id_number=LI.id_number, name=LI.name, phone="17000000999"), **_registration_args()
        )


def test_invalid_request_is_refused_before_it_reaches_the_server(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    with pytest.raises(InvalidRequest) as info:
        store.upsert_registration(_wang(), **{**_registration_args(), "local_or_away": "moon"})
    assert "没有保存" in info.value.user_message
    assert not [path for _, path in api_server.requests if "registrations" in path]


def test_a_refusal_carries_the_servers_chinese_message(api_server: Any, http_store_factory: Any) -> None:
    store = http_store_factory(api_server)
    with pytest.raises(IdentityMismatch) as info:
        store.upsert_registration(
            PersonDetails(id_number=LI.id_number, name=LI.name, phone="17000000999"), **_registration_args()
        )
    assert info.value.user_message == IdentityMismatch.default_message


def test_access_context_reaches_the_audit_log_through_http(
    http_store_factory: Any, api_server: Any, api_backend: SqlCaseStore
) -> None:
    store = http_store_factory(api_server)
    store.verify_person(LI.id_number, "0002", access=ACCESS)
    entries = api_backend.audit_entries(LI.id_number)
    assert [(e.conversation_id, e.channel, e.purpose, e.action) for e in entries] == [
        ("conv-http", "rest", "查询办理进度", "verify")
    ]


def test_every_request_has_a_timeout(api_server: Any, http_store_factory: Any) -> None:
    client = CaseApiClient(api_server.url, api_server.token, connect_timeout=2, read_timeout=7)
    seen: list[object] = []
    original = client._session.request

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    client._session.request = spy  # type: ignore[method-assign]
    store = HttpCaseStore(client)
    store.find_person(LI.id_number, access=ACCESS)
    store.create_handoff(conversation_id="c", channel="rest", reason="r")
    assert seen == [(2, 7), (2, 7)]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"case_api_url": "http://127.0.0.1:9/api", "case_api_token": "t"}, HttpCaseStore),
        ({}, SqlCaseStore),
    ],
)
def test_make_store_picks_the_implementation(tmp_path, env: dict, expected: type) -> None:
    db_file = tmp_path / "never" / "cases.db"
    key = "k1:" + "A" * 43
    store = make_store(Settings(case_db_url=f"sqlite:///{db_file}", case_data_key=key, **env))
    try:
        assert isinstance(store, GuardedCaseStore) and isinstance(store.inner, expected)
        assert not db_file.parent.exists()  # nothing is touched until the first call
    finally:
        store.close()

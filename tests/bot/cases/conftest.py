"""Fixtures for the case-store tests: fresh SQLite files, PostgreSQL schemas, and a loopback case API server.

The case API server implements the HTTP API documented in :mod:`bot.cases.http_store` by delegating to a
:class:`SqlCaseStore`, so the HTTP store can be run through the same contract tests. It can also be told to
misbehave (answer 500, or stall) for the next requests, and it counts what it receives.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy.orm import Session

from bot.cases import admin
from bot.cases.errors import (
    CaseStoreError,
    IdentityMismatch,
    OrganisationNotFound,
    PersonNotFound,
    ReferenceNotFound,
)
from bot.cases.http_store import CaseApiClient, HttpCaseStore
from bot.cases.records import AccessContext, PersonDetails, SubsidyApplicant, from_json, to_json
from bot.cases.sql_store import SqlCaseStore

TODAY = dt.date(2026, 11, 28)
API_TOKEN = "loopback-test-token"


# --- databases ----------------------------------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh case database URL: a PostgreSQL schema of its own, or a SQLite file."""
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'c.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL of a SQLite file that does not exist yet, in a fresh folder."""
    return f"sqlite:///{tmp_path / 'db' / 'cases.db'}"


def migrated_store(url: str, *, seed: bool = True) -> SqlCaseStore:
    """Migrate ``url`` (and seed the demo data); return a store on it."""
    admin.migrate(url)
    store = SqlCaseStore(url, today=lambda: TODAY)
    if seed:
        with Session(store.engine, future=True) as session, session.begin():
            admin.seed_demo_data(session, TODAY)
    return store


# --- the loopback case API server ---------------------------------------------------------------------------

_ERROR_CODES: list[tuple[type[CaseStoreError], int, str]] = [
    (PersonNotFound, 404, "person_not_found"),
    (IdentityMismatch, 409, "identity_mismatch"),
    (OrganisationNotFound, 404, "organisation_not_found"),
    (ReferenceNotFound, 404, "reference_not_found"),
]
Route = tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]]]


class CaseApiServer(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 serving the case API from a :class:`SqlCaseStore`."""

    daemon_threads = True

    def __init__(self, backend: SqlCaseStore, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.backend = backend
        self.token = token
        self.requests: list[tuple[str, str]] = []
        # Answers already given per Idempotency-Key: a retry of a POST gets the first answer again.
        self.idempotent: dict[str, tuple[int, Any]] = {}
        self.idempotency_keys: list[str] = []
        # Scripted misbehaviour for the next requests: ("status", 500), ("sleep", seconds), or
        # ("lose", 502): carry the request out, then answer 502 as a proxy would whose upstream timed out.
        self.faults: collections.deque[tuple[str, Any]] = collections.deque()
        self.lock = threading.Lock()
        self.routes = _routes(backend)

    @property
    def url(self) -> str:
        """Base URL of the API."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api"

    def count(self, method: str, path_prefix: str = "") -> int:
        """How many requests with ``method`` and a path starting with ``path_prefix`` arrived."""
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith("/api" + path_prefix))


def _access(headers: Any) -> AccessContext:
    return AccessContext(
        conversation_id=unquote(headers.get("X-Conversation-Id", "")),
        channel=unquote(headers.get("X-Channel", "")),
        purpose=unquote(headers.get("X-Purpose", "")),
        actor=unquote(headers.get("X-Actor", "")) or "assistant",
    )


def _routes(store: SqlCaseStore) -> list[Route]:
    def person(body: dict, access: AccessContext) -> tuple[int, Any]:
        found = store.find_person(body["id_number"], access=access)
        return (200, {"person": to_json(found)}) if found else (404, {"error": "not_found"})

    def verify(body: dict, access: AccessContext) -> tuple[int, Any]:
        found = store.verify_person(body["id_number"], body["phone_or_last4"], access=access)
        return (200, {"person": to_json(found)}) if found else (404, {"error": "not_verified"})

    def status(body: dict, access: AccessContext) -> tuple[int, Any]:
        return 200, {"items": [to_json(i) for i in store.get_status(body["id_number"], access=access)]}

    def audit(body: dict, access: AccessContext) -> tuple[int, Any]:
        return 200, {"entries": [to_json(e) for e in store.audit_entries(body["id_number"])]}

    def registration(body: dict, access: AccessContext) -> tuple[int, Any]:
        details = from_json(PersonDetails, body["person"])
        record, created = store.upsert_registration(
            details,
            work_wanted=body["work_wanted"],
            local_or_away=body["local_or_away"],
            needs_transport=body["needs_transport"],
            wants_training=body["wants_training"],
            access=access,
        )
        return (201 if created else 200), {"registration": to_json(record), "created": created}

    def transport(body: dict, access: AccessContext) -> tuple[int, Any]:
        record, created = store.create_transport_request(
            body["id_number"],
            destination=body["destination"],
            departure_date=dt.date.fromisoformat(body["departure_date"]),
            party_size=body["party_size"],
            access=access,
        )
        return (201 if created else 200), {"transport_request": to_json(record), "created": created}

    def training(body: dict, access: AccessContext) -> tuple[int, Any]:
        record, created = store.create_training_enrolment(body["id_number"], course=body["course"], access=access)
        return (201 if created else 200), {"training_enrolment": to_json(record), "created": created}

    def subsidy(body: dict, access: AccessContext) -> tuple[int, Any]:
        record, created = store.create_subsidy_application(
            from_json(SubsidyApplicant, body["applicant"]),
            clause=body["clause"],
            amount_yuan=body["amount_yuan"],
            beneficiary_id_number=body.get("beneficiary_id_number"),
            months=body.get("months"),
            access=access,
        )
        return (201 if created else 200), {"subsidy_application": to_json(record), "created": created}

    def org_status(body: dict, access: AccessContext, code: str) -> tuple[int, Any]:
        return 200, {"items": [to_json(i) for i in store.get_organisation_status(code)]}

    def set_status(body: dict, access: AccessContext, reference: str) -> tuple[int, Any]:
        return 200, {"item": to_json(store.set_status(reference, body["status"]))}

    def change_date(body: dict, access: AccessContext, reference: str) -> tuple[int, Any]:
        day = dt.date.fromisoformat(body["departure_date"])
        return 200, {"item": to_json(store.change_departure_date(reference, day, access=access))}

    def callback(body: dict, access: AccessContext, reference: str) -> tuple[int, Any]:
        return 200, {"handoff": to_json(store.set_handoff_callback(reference, body["phone"]))}

    seg = r"([^/]+)"

    def organisation_routes(path: str, key: str, people: str, find: Any, check: Any, listing: Any) -> list[Any]:
        """The three endpoints of one kind of organisation (employers, HR agencies)."""

        def found(body: dict, access: AccessContext, code: str) -> tuple[int, Any]:
            record = find(code)
            return (200, {key: to_json(record)}) if record else (404, {"error": "not_found"})

        def verified(body: dict, access: AccessContext) -> tuple[int, Any]:
            record = check(body["credit_code"], body["phone"])
            return (200, {key: to_json(record)}) if record else (404, {"error": "not_verified"})

        def listed(body: dict, access: AccessContext, code: str) -> tuple[int, Any]:
            return 200, {people: [to_json(r) for r in listing(code, access=access)]}

        return [
            ("POST", rf"{path}/verify", verified),
            ("GET", rf"{path}/{seg}/{people}", listed),
            ("GET", rf"{path}/{seg}", found),
        ]

    def handoff(body: dict, access: AccessContext) -> tuple[int, Any]:
        record = store.create_handoff(
            conversation_id=body["conversation_id"],
            channel=body["channel"],
            reason=body["reason"],
            id_number=body.get("id_number"),
        )
        return 201, {"handoff": to_json(record)}

    def record_audit(body: dict, access: AccessContext) -> tuple[int, Any]:
        store.record_audit(access, id_number=body.get("id_number"), action=body["action"])
        return 204, None

    table = [
        ("POST", r"/persons/verify", verify),
        ("POST", r"/persons/status", status),
        ("POST", r"/persons/audit", audit),
        ("POST", r"/persons/lookup", person),
        ("PUT", r"/registrations", registration),
        ("POST", r"/transport-requests", transport),
        ("POST", r"/training-enrolments", training),
        ("POST", r"/subsidy-applications", subsidy),
        ("GET", rf"/organisations/{seg}/status", org_status),
        ("PUT", rf"/statuses/{seg}", set_status),
        ("PUT", rf"/transport-requests/{seg}/departure-date", change_date),
        *organisation_routes(
            "/employers", "employer", "employments", store.find_employer, store.verify_employer, store.list_employments
        ),
        *organisation_routes(
            "/hr-agencies",
            "hr_agency",
            "placements",
            store.find_hr_agency,
            store.verify_hr_agency,
            store.list_placements,
        ),
        ("POST", r"/handoffs", handoff),
        ("PUT", rf"/handoffs/{seg}/callback", callback),
        ("POST", r"/audit", record_audit),
    ]
    return [(method, re.compile(rf"/api{pattern}"), fn) for method, pattern, fn in table]


class _Handler(BaseHTTPRequestHandler):
    server: CaseApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append((self.command, self.path))
            fault = self.server.faults.popleft() if self.server.faults else None
        if fault and fault[0] == "sleep":
            time.sleep(fault[1])
        elif fault and fault[0] == "status":
            self._send(fault[1], {"error": "server_error", "message": "故障"})
            return
        elif fault and fault[0] == "raw":
            self.send_response(200)
            self.send_header("Content-Length", str(len(fault[1])))
            self.end_headers()
            self.wfile.write(fault[1])
            return
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._send(401, {"error": "unauthorized"})
            return
        body = json.loads(raw) if raw else {}
        key = self.headers.get("Idempotency-Key")
        if key:
            with self.server.lock:
                self.server.idempotency_keys.append(key)
                replay = self.server.idempotent.get(key)
            if replay is not None:
                self._send(*replay)
                return
        for method, pattern, fn in self.server.routes:
            match = pattern.fullmatch(self.path)
            if method == self.command and match:
                args = [unquote(g) for g in match.groups()]
                try:
                    status, answer = fn(body, _access(self.headers), *args)
                except CaseStoreError as exc:
                    for error_class, code, name in _ERROR_CODES:
                        if isinstance(exc, error_class):
                            status, answer = code, {"error": name, "message": exc.user_message}
                            break
                    else:
                        status, answer = 422, {"error": "invalid", "message": exc.user_message}
                if key and status < 500:
                    with self.server.lock:
                        self.server.idempotent[key] = (status, answer)
                if fault and fault[0] == "lose":
                    self._send(fault[1], {"error": "bad_gateway", "message": "故障"})
                    return
                self._send(status, answer)
                return
        self._send(404, {"error": "no_route"})

    do_GET = do_PUT = do_POST = _dispatch


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite file, made once; tests get copies (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "cases.db"
    migrated_store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def seeded_sqlite_url(seeded_sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a fresh copy of the seeded SQLite database."""
    target = tmp_path / "seeded" / "cases.db"
    target.parent.mkdir(parents=True)
    shutil.copyfile(seeded_sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def api_backend(seeded_sqlite_url: str) -> Iterator[SqlCaseStore]:
    """The SQLite store behind the loopback API server, seeded with the demo data."""
    store = SqlCaseStore(seeded_sqlite_url, today=lambda: TODAY)
    yield store
    store.close()


@pytest.fixture
def api_server(api_backend: SqlCaseStore) -> Iterator[CaseApiServer]:
    """A running loopback case API server."""
    server = CaseApiServer(api_backend, API_TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def make_http_store(server: CaseApiServer, **client_options: Any) -> HttpCaseStore:
    """An :class:`HttpCaseStore` talking to ``server`` (fast backoff unless told otherwise)."""
    options: dict[str, Any] = {"backoff": 0.01, "read_timeout": 10.0}
    options.update(client_options)
    return HttpCaseStore(CaseApiClient(server.url, server.token, **options))


# --- the contract fixture -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql", "http"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each :class:`CaseStore` implementation on a fresh database seeded with the demo data."""
    if request.param == "sqlite":
        sql_store = SqlCaseStore(request.getfixturevalue("seeded_sqlite_url"), today=lambda: TODAY)
        yield sql_store
        sql_store.close()
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        sql_store = migrated_store(url)
        yield sql_store
        sql_store.close()
    else:
        server = request.getfixturevalue("api_server")
        http_store = make_http_store(server)
        yield http_store
        http_store.close()


@pytest.fixture
def store_factory() -> Callable[..., SqlCaseStore]:
    """:func:`migrated_store` as a fixture, for tests that choose their own database."""
    return migrated_store


@pytest.fixture
def http_store_factory() -> Callable[..., HttpCaseStore]:
    """:func:`make_http_store` as a fixture."""
    return make_http_store

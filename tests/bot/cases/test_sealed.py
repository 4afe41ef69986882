"""Personal data sealed at rest: ciphertexts in the database, lookups by keyed hash, migration and key rotation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from bot import crypto
from bot.cases import admin, demo_data, sealed
from bot.cases.admin import DatabaseSetupError
from bot.cases.models import Base, Person
from bot.cases.records import AccessContext, PersonDetails
from bot.cases.sql_store import SqlCaseStore, build_engine

from .conftest import TODAY

ACCESS = AccessContext(conversation_id="sealed-1", channel="rest", purpose="测试")
PERSON = PersonDetails(
    id_number="371323199803150018", name="封存测试", phone="17000000888", category="edge_of_poverty", county="沂水县"
)
OLD_KEY, NEW_KEY = crypto.generate_key("k1"), crypto.generate_key("k2")


def _register(store: SqlCaseStore) -> None:
    store.upsert_registration(
        PERSON, work_wanted="电焊工", local_or_away="away", needs_transport=False, wants_training=False, access=ACCESS
    )


def _dump(url: str) -> str:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            return "\n".join(
                str(tuple(row))
                for table in ("persons", "employers", "hr_agencies")
                for row in conn.execute(text(f"SELECT * FROM {table}"))
            )
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def test_no_id_number_phone_or_name_is_stored_in_clear_and_the_owner_is_still_found(url: str, tmp_path: Path) -> None:
    cipher = crypto.DataCipher.from_strings(NEW_KEY)
    admin.migrate_and_seed(url, TODAY, cipher)
    store = SqlCaseStore(url, today=lambda: TODAY, cipher=cipher)
    _register(store)
    found = store.verify_person(PERSON.id_number, PERSON.phone[-4:], access=ACCESS)
    assert found is not None and found.name == PERSON.name
    store.close()
    dump = _dump(url)
    clear = [PERSON.id_number, PERSON.phone, PERSON.name]
    clear += [v for p in demo_data.PERSONS for v in (p.id_number, p.phone, p.name)]
    clear += [e.contact_phone for e in (*demo_data.EMPLOYERS, *demo_data.HR_AGENCIES) if e.contact_phone]
    assert not [value for value in clear if value in dump]
    if url.startswith("sqlite"):
        raw = (tmp_path / "cases.db").read_bytes()
        assert not [value for value in clear if value.encode() in raw]


def test_an_engine_without_the_key_reads_no_personal_data(url: str) -> None:
    admin.migrate_and_seed(url, TODAY, crypto.DataCipher.from_strings(NEW_KEY))
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(Person.category).limit(1)).scalar_one() is not None  # not personal
            with pytest.raises(sealed.SealedDataError):
                conn.execute(select(Person.name).limit(1)).all()
        # A different key does not open the values either.
        sealed.attach(engine, crypto.DataCipher.from_strings(OLD_KEY))
        with engine.connect() as conn, pytest.raises(crypto.CryptoError):
            conn.execute(select(Person.name).limit(1)).all()
    finally:
        engine.dispose()


def test_the_migration_encrypts_rows_stored_in_clear_and_refuses_without_a_key(url: str) -> None:
    command.upgrade(admin.alembic_config(url), "0007")
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO persons (id_number, name, phone, category, employment_status, received_work_for_training,"
                " created_at, updated_at) VALUES (:id, :name, :phone, 'poverty_alleviated', 'unemployed', false,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"id": PERSON.id_number, "name": PERSON.name, "phone": PERSON.phone},
        )
    engine.dispose()
    with pytest.raises(DatabaseSetupError, match="CASE_DATA_KEY"):
        admin.migrate(url)
    assert PERSON.id_number in _dump(url)  # refused: nothing changed
    cipher = crypto.DataCipher.from_strings(NEW_KEY)
    admin.migrate(url, cipher)
    assert not [v for v in (PERSON.id_number, PERSON.phone, PERSON.name) if v in _dump(url)]
    store = SqlCaseStore(url, today=lambda: TODAY, cipher=cipher)
    try:
        found = store.find_person(PERSON.id_number, access=ACCESS)
        assert found is not None and found.phone == PERSON.phone and found.name == PERSON.name
    finally:
        store.close()


def test_rotation_keeps_every_person_findable_and_leaves_nothing_under_the_old_key(url: str) -> None:
    old = crypto.DataCipher.from_strings(OLD_KEY)
    admin.migrate_and_seed(url, TODAY, old)
    store = SqlCaseStore(url, today=lambda: TODAY, cipher=old)
    _register(store)
    store.close()
    # During the rotation both keys are configured: old values still open, old hashes still match.
    both = crypto.DataCipher.from_strings(NEW_KEY, [OLD_KEY])
    during = SqlCaseStore(url, today=lambda: TODAY, cipher=both)
    assert during.find_person(PERSON.id_number, access=ACCESS) is not None
    with during.engine.begin() as conn:
        changed = sealed.rotate(conn, Base.metadata)
    assert changed >= 3 * (len(demo_data.PERSONS) + 1)
    with during.engine.begin() as conn:
        assert sealed.rotate(conn, Base.metadata) == 0  # again: nothing left to do
    during.close()
    tokens = [v for v in _dump(url).replace("'", " ").split() if crypto.DataCipher.is_token(v.strip("(),"))]
    assert tokens and {crypto.DataCipher.key_id_of(t.strip("(),")) for t in tokens} == {"k2"}
    # The old key can now be dropped.
    after = SqlCaseStore(url, today=lambda: TODAY, cipher=crypto.DataCipher.from_strings(NEW_KEY))
    try:
        for p in (*demo_data.PERSONS, PERSON):
            found = after.verify_person(p.id_number, p.phone, access=ACCESS)
            assert found is not None and found.name == p.name
    finally:
        after.close()

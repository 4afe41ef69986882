"""Fixtures for the analytics tests: migrated case databases on SQLite and PostgreSQL (a fresh schema each)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.cases.admin import migrate_and_seed
from bot.cases.sql_store import build_engine


def _pg_base_url() -> str | None:
    import psycopg2

    for user in ("root", "postgres"):
        try:
            psycopg2.connect(host="127.0.0.1", port=5432, user=user, dbname="test", connect_timeout=3).close()
        except psycopg2.OperationalError:
            continue
        return f"postgresql+psycopg2://{user}@127.0.0.1:5432/test"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def case_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated case database with the demo data: its URL and an engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
        migrate_and_seed(url)
        engine = build_engine(url)
        yield url, engine
        engine.dispose()
        return
    base = _pg_base_url()
    if base is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = build_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    try:
        migrate_and_seed(url)
        engine = build_engine(url)
        yield url, engine
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

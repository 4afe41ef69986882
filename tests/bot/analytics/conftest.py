"""Fixtures for the analytics tests: migrated case databases on SQLite and PostgreSQL (a fresh schema each)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import postgres_schema
from sqlalchemy.engine import Engine

from bot.cases.admin import migrate_and_seed
from bot.cases.sql_store import build_engine


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
    with postgres_schema(request.getfixturevalue("pg_base_url")) as url:
        migrate_and_seed(url)
        engine = build_engine(url)
        yield url, engine
        engine.dispose()

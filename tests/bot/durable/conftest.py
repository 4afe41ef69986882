"""Fixtures of the tracker-store tests: the assistant's domain, settings with a fresh key, a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import postgres_schema
from rasa.shared.core.domain import Domain

from bot import crypto
from bot import settings as settings_mod

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def cfg() -> settings_mod.Settings:
    return settings_mod.load({"CASE_DATA_KEY": crypto.generate_key()})


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh tracker database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    with postgres_schema(request.getfixturevalue("pg_base_url"), "tracker") as url:
        yield url

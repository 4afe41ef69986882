"""Migrations and demo data: ``migrate_and_seed`` on SQLite and PostgreSQL; the demo identities are valid."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from bot.cases import admin, demo_data
from bot.cases.models import Base, Person
from bot.cases.sql_store import build_engine
from bot.settings import PROJECT_ROOT
from bot.validation import (
    LINYI_AREA_CODES,
    LINYI_COUNTIES,
    PAIRED_AREA_CODES,
    PAIRED_COUNTIES,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_name,
)
from policy_kb.vocabulary import EMPLOYER_KIND_LABELS, EMPLOYMENT_STATUS_LABELS, RECORDED_PERSON_CATEGORIES

TODAY = dt.date(2026, 11, 28)


def _head() -> str:
    """The newest migration (one head: every migration revises the previous one)."""
    heads = ScriptDirectory.from_config(admin.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def _persons(url: str) -> int:
    engine = build_engine(url)
    try:
        with Session(engine, future=True) as session:
            return session.execute(select(func.count()).select_from(Person)).scalar_one()
    finally:
        engine.dispose()


def test_migrate_and_seed_creates_the_folder_and_seeds_once(sqlite_url: str, tmp_path: Path) -> None:
    assert not (tmp_path / "db").exists()
    lines = admin.migrate_and_seed(sqlite_url, today=TODAY)
    assert (tmp_path / "db" / "cases.db").exists()
    head = _head()
    assert lines[0] == f"案件数据库已升级到最新结构（版本 空库 → {head}）"
    assert lines[1].startswith(f"已写入演示数据：{len(demo_data.PERSONS)} 人、3 个用人单位、1 家人力资源服务机构")
    assert _persons(sqlite_url) == len(demo_data.PERSONS)

    again = admin.migrate_and_seed(sqlite_url, today=TODAY)
    assert again == [
        f"案件数据库已是最新结构（版本 {head}）",
        f"数据库中已有 {len(demo_data.PERSONS)} 人的记录，未写入演示数据",
    ]
    assert _persons(sqlite_url) == len(demo_data.PERSONS)


def test_migrate_and_seed_on_postgresql(pg_url: str) -> None:
    lines = admin.migrate_and_seed(pg_url, today=TODAY)
    assert lines[0].startswith("案件数据库已升级到最新结构")
    assert _persons(pg_url) == len(demo_data.PERSONS)
    assert admin.migrate_and_seed(pg_url, today=TODAY)[0] == f"案件数据库已是最新结构（版本 {_head()}）"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else sqlite_url
    admin.migrate(url)
    return url


def test_migrations_match_the_models(migrated_url: str) -> None:
    engine = build_engine(migrated_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_and_upgrade_again(sqlite_url: str) -> None:
    admin.migrate(sqlite_url)
    config = admin.alembic_config(sqlite_url)
    command.downgrade(config, "base")
    engine = build_engine(sqlite_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    before, head = admin.migrate(sqlite_url)
    assert (before, head) == (None, _head())


def test_alembic_command_line_uses_the_ini_at_the_repo_root(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(PROJECT_ROOT / "alembic.ini"),
            "-x",
            f"url={url}",
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine = build_engine(url)
    try:
        assert "persons" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "不是有效的数据库地址"),
        ("postgresql+psycopg2://nobody:secret@127.0.0.1:1/none", "无法连接案件数据库"),
    ],
)
def test_unusable_database_is_one_clear_line(url: str, fragment: str) -> None:
    with pytest.raises(admin.DatabaseSetupError) as info:
        admin.migrate_and_seed(url)
    message = str(info.value)
    assert fragment in message
    assert "secret" not in message and "\n" not in message


# --- the demo data set --------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", demo_data.PERSONS, ids=lambda p: p.name)
def test_demo_persons_are_valid_and_obviously_fictional(person: Any) -> None:
    assert validate_id_number(person.id_number, TODAY) == person.id_number
    assert validate_mobile(person.phone) == person.phone and person.phone.startswith("1700000")
    assert validate_name(person.name) == person.name and person.name.startswith("测试")
    assert person.category in RECORDED_PERSON_CATEGORIES
    assert person.employment_status in EMPLOYMENT_STATUS_LABELS
    area = person.id_number[:6]
    if person.category == "central_western_migrant":
        assert PAIRED_AREA_CODES[area] == person.origin_county
        assert PAIRED_COUNTIES[person.origin_county] == person.origin_province
    else:
        assert LINYI_AREA_CODES[area] == person.county


def test_demo_identities_are_distinct() -> None:
    assert len({p.id_number for p in demo_data.PERSONS}) == len(demo_data.PERSONS)
    assert len({p.phone for p in demo_data.PERSONS}) == len(demo_data.PERSONS)


@pytest.mark.parametrize("org", demo_data.EMPLOYERS + demo_data.HR_AGENCIES, ids=lambda o: o.name)
def test_demo_organisations_are_valid(org: Any) -> None:
    assert validate_credit_code(org.credit_code) == org.credit_code
    assert org.credit_code[2:8] in LINYI_AREA_CODES
    assert org.county in LINYI_COUNTIES
    assert "测试" in org.name
    assert org.kind is None or org.kind in EMPLOYER_KIND_LABELS


def test_demo_employers_cover_the_kinds_the_policy_names() -> None:
    assert {e.kind for e in demo_data.EMPLOYERS} == {"assistance_workshop", "cooperative", "enterprise"}

"""Database administration: run the Alembic migrations and seed the demo data (``python -m bot db``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from bot.cases import demo_data, sealed
from bot.cases.models import (
    Base,
    Employer,
    Employment,
    HrAgency,
    JobSeekingRegistration,
    Person,
    Placement,
    SubsidyApplication,
    TrainingEnrolment,
    TransportRequest,
)
from bot.cases.records import make_reference
from bot.cases.sql_store import build_engine
from bot.crypto import DataCipher
from bot.privacy import mask_pii
from bot.settings import SettingsError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseSetupError(SettingsError):
    """The case database cannot be reached or migrated; the message is one Chinese line."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that does not depend on the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    config.attributes["skip_logging_config"] = True
    return config


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _describe(url: str) -> str:
    """The URL without password, for messages."""
    try:
        return mask_pii(make_url(url).render_as_string(hide_password=True))
    except ArgumentError:
        return "（无法解析的地址）"


def migrate(url: str, cipher: DataCipher | None = None) -> tuple[str | None, str]:
    """Upgrade the database at ``url`` to the newest schema.

    ``cipher`` encrypts personal data stored before revision 0008 (refused without one when there is any).

    Returns:
        The revision before and after the upgrade.

    Raises:
        DatabaseSetupError: the URL is invalid or the database cannot be reached.
    """
    try:
        _ensure_sqlite_folder(url)
        config = alembic_config(url)
        config.attributes["cipher"] = cipher
        head = ScriptDirectory.from_config(config).get_current_head()
        engine = build_engine(url)
        try:
            with engine.connect() as conn:
                before = MigrationContext.configure(conn).get_current_revision()
        finally:
            engine.dispose()
        if before != head:
            command.upgrade(config, "head")
    except ArgumentError:
        raise DatabaseSetupError(f"错误：CASE_DB_URL 不是有效的数据库地址：{_describe(url)}") from None
    except sealed.SealedDataError as exc:
        raise DatabaseSetupError(f"错误：{exc}。") from None
    except OperationalError as exc:
        raise DatabaseSetupError(
            f"错误：无法连接案件数据库 {_describe(url)}（{type(exc.orig).__name__}）。请检查 CASE_DB_URL 和数据库服务。"
        ) from None
    return before, head or ""


def seed_demo_data(session: Session, today: dt.date) -> dict[str, int]:
    """Insert the demo data set (:mod:`bot.cases.demo_data`) in ``session``; returns counts by kind."""
    persons = {p.id_number: Person(**dataclasses.asdict(p)) for p in demo_data.PERSONS}
    employers = {e.credit_code: Employer(**dataclasses.asdict(e)) for e in demo_data.EMPLOYERS}
    agencies = {
        a.credit_code: HrAgency(**{k: v for k, v in dataclasses.asdict(a).items() if k != "kind"})
        for a in demo_data.HR_AGENCIES
    }
    session.add_all([*persons.values(), *employers.values(), *agencies.values()])
    parties: dict[str, dict[str, Any]] = {
        "person": persons,
        "beneficiary": persons,
        "applicant_person": persons,
        "employer": employers,
        "applicant_employer": employers,
        "agency": agencies,
        "applicant_agency": agencies,
    }

    def linked(row: dict[str, Any]) -> dict[str, Any]:
        return {name: parties[name][value] if name in parties else value for name, value in row.items()}

    session.add_all([Employment(**linked(row)) for row in demo_data.EMPLOYMENTS])
    session.add_all([Placement(**linked(row)) for row in demo_data.PLACEMENTS])
    referenced: list[tuple[str, Any]] = [
        *(("registration", JobSeekingRegistration(**linked(r))) for r in demo_data.REGISTRATIONS),
        *(("transport_request", TransportRequest(**linked(r))) for r in demo_data.TRANSPORT_REQUESTS),
        *(("training_enrolment", TrainingEnrolment(**linked(r))) for r in demo_data.TRAINING_ENROLMENTS),
        *(("subsidy_application", SubsidyApplication(**linked(r))) for r in demo_data.SUBSIDY_APPLICATIONS),
    ]
    session.add_all([row for _, row in referenced])
    session.flush()
    for kind, row in referenced:
        row.reference = make_reference(kind, today, row.id)
    session.flush()
    return {
        "persons": len(persons),
        "employers": len(employers),
        "hr_agencies": len(agencies),
        "requests": len(referenced),
    }


def migrate_and_seed(url: str, today: dt.date | None = None, cipher: DataCipher | None = None) -> list[str]:
    """Bring the case database at ``url`` to the newest schema; seed the demo data when it has no persons.

    A SQLite file's folder is created when missing.

    Args:
        url: SQLAlchemy database URL (``CASE_DB_URL``).
        today: date used in the demo references (default: the system date).
        cipher: the data key's cipher (default: ``CASE_DATA_KEY`` of the environment's settings).

    Returns:
        Chinese lines for the user to read.

    Raises:
        DatabaseSetupError: the database cannot be reached or the URL is invalid.
    """
    cipher = cipher or sealed.default_cipher()
    before, head = migrate(url, cipher)
    lines = [
        f"案件数据库已是最新结构（版本 {head}）"
        if before == head
        else f"案件数据库已升级到最新结构（版本 {before or '空库'} → {head}）"
    ]
    engine = sealed.attach(build_engine(url), cipher)
    try:
        with Session(engine, future=True) as session, session.begin():
            existing = session.execute(select(func.count()).select_from(Person)).scalar_one()
            if existing:
                lines.append(f"数据库中已有 {existing} 人的记录，未写入演示数据")
            else:
                counts = seed_demo_data(session, today or dt.date.today())
                lines.append(
                    f"已写入演示数据：{counts['persons']} 人、{counts['employers']} 个用人单位、"
                    f"{counts['hr_agencies']} 家人力资源服务机构、{counts['requests']} 条登记和申请"
                    "（全部为虚构的测试身份）"
                )
    except OperationalError as exc:
        raise DatabaseSetupError(f"错误：无法写入案件数据库（{type(exc.orig).__name__}）。") from None
    finally:
        engine.dispose()
    return lines


def rotate_keys(url: str, cipher: DataCipher) -> int:
    """Re-encrypt the sealed personal data at ``url`` with the cipher's current key; returns the values changed.

    The previous keys must still be in the cipher (``CASE_DATA_KEYS_PREVIOUS``) until this has run.
    """
    engine = sealed.attach(build_engine(url), cipher)
    try:
        with engine.begin() as conn:
            return sealed.rotate(conn, Base.metadata)
    except OperationalError as exc:
        raise DatabaseSetupError(f"错误：无法写入案件数据库（{type(exc.orig).__name__}）。") from None
    finally:
        engine.dispose()

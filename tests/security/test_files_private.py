"""Attack: another local user reads the case database file or the secrets in .env."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.cases.admin import migrate_and_seed


def test_sqlite_case_database_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask: files would otherwise be world-readable
    try:
        db = tmp_path / "var" / "cases.db"
        migrate_and_seed(f"sqlite:///{db}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_existing_world_readable_database_is_closed_on_first_use(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    migrate_and_seed(f"sqlite:///{db}")
    db.chmod(0o644)
    migrate_and_seed(f"sqlite:///{db}")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_the_case_database_log_is_private_and_emptied_by_the_purge_vacuum(tmp_path: Path) -> None:
    """The write-ahead log next to the database is the owner's alone, and holds nothing after the purge's VACUUM."""
    from bot.cases.retention import _vacuum_sqlite
    from bot.cases.sql_base import build_engine

    old = os.umask(0o022)
    try:
        db = tmp_path / "cases.db"
        url = f"sqlite:///{db}"
        migrate_and_seed(url)
        engine = build_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            wal = Path(f"{db}-wal")
            assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
        engine.dispose()
        _vacuum_sqlite(url)
        assert not wal.exists() or wal.stat().st_size == 0
    finally:
        os.umask(old)

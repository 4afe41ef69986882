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

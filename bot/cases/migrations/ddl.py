"""Shorthands for the case-database migrations: columns, and tables with constraints named as the models name them.

The names follow :data:`bot.cases.model_base.NAMING_CONVENTION` (``pk_<table>``, ``uq_<table>_<first column>``,
``ck_<table>_<name>``, ``fk_<table>_<column>_<target>``, ``ix_<table>_<column>``), so that later revisions, batch
mode on SQLite included, can refer to them. A revision must keep creating what it created when it was written:
change what these helpers produce only together with every revision that calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from alembic import op


def text(name: str, length: int, *, null: bool = False) -> sa.Column:
    """A ``VARCHAR(length)`` column."""
    return sa.Column(name, sa.String(length=length), nullable=null)


def integer(name: str, *, null: bool = False) -> sa.Column:
    """An ``INTEGER`` column."""
    return sa.Column(name, sa.Integer(), nullable=null)


def flag(name: str) -> sa.Column:
    """A ``BOOLEAN NOT NULL`` column."""
    return sa.Column(name, sa.Boolean(), nullable=False)


def moment(name: str, *, null: bool = False) -> sa.Column:
    """A time-zone aware ``TIMESTAMP`` column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=null)


def day(name: str, *, null: bool = False) -> sa.Column:
    """A ``DATE`` column."""
    return sa.Column(name, sa.Date(), nullable=null)


def serial() -> sa.Column:
    """The integer primary-key column ``id``."""
    return integer("id")


def table(
    name: str,
    *columns: sa.Column,
    key: Iterable[str] = ("id",),
    unique: Iterable[str | tuple[str, ...]] = (),
    checks: Mapping[str, str] | None = None,
    refers: Mapping[str, str] | None = None,
    cascade: Iterable[str] = (),
    indexed: Iterable[str] = (),
) -> None:
    """Create table ``name`` with its named constraints and single-column indexes.

    Args:
        name: the table.
        columns: its columns, in order.
        key: the primary-key columns.
        unique: unique columns, or tuples of columns unique together.
        checks: CHECK constraints by constraint name.
        refers: foreign keys, column to referred table (its ``id``).
        cascade: the foreign-key columns whose rows go with the referred row (``ON DELETE CASCADE``).
        indexed: columns that get a non-unique index.
    """
    deleting = set(cascade)
    constraints: list[sa.Constraint] = [
        sa.CheckConstraint(condition, name=op.f(f"ck_{name}_{check}")) for check, condition in (checks or {}).items()
    ]
    constraints += [
        sa.ForeignKeyConstraint(
            [column],
            [f"{target}.id"],
            name=op.f(f"fk_{name}_{column}_{target}"),
            ondelete="CASCADE" if column in deleting else None,
        )
        for column, target in (refers or {}).items()
    ]
    key = tuple(key)
    constraints.append(sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")))
    for together in unique:
        together = (together,) if isinstance(together, str) else together
        constraints.append(sa.UniqueConstraint(*together, name=op.f(f"uq_{name}_{together[0]}")))
    op.create_table(name, *columns, *constraints)
    for column in indexed:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)

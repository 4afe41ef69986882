"""What the case database's table mappings are built from: the declarative base with its naming convention,
the timestamp columns, the partial unique index of open requests, and the columns that kinds of rows share.

The tables themselves are in :mod:`bot.cases.models`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, MetaData, String, text
from sqlalchemy.orm import declarative_base, declared_attr, relationship

from bot.cases.checks import OPEN_REQUEST
from bot.clock import utcnow


def open_request_unique(name: str, *columns: Any) -> Index:
    """A unique index over the open rows only (partial index on SQLite and PostgreSQL alike).

    Two identical requests arriving at once can then not both be stored: the second insert fails and its
    unit of work, retried, finds the first one (see :meth:`bot.cases.sql_store.SqlCaseStore._run`).
    """
    where = text(OPEN_REQUEST)
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


# Named constraints, so that later migrations (batch mode on SQLite) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLAlchemy 1.4 has no type information; the mapped classes are typed as Any for mypy.
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def created_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


def updated_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class OrganisationColumns:
    """The columns of every kind of organisation, found by its unified social credit code."""

    id = Column(Integer, primary_key=True)
    credit_code = Column(String(18), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    county = Column(String(32))
    created_at = created_column()


class RequestColumns:
    """The columns of every request with a reference: the reference (set from the row id), status and times."""

    id = Column(Integer, primary_key=True)
    reference = Column(String(24), unique=True)  # set from the row id right after insert
    status = Column(String(16), nullable=False, default="submitted")
    created_at = created_column()
    updated_at = updated_column()


class PersonRequestColumns(RequestColumns):
    """A request that one person makes, any number of times."""

    @declared_attr
    def person_id(cls) -> Any:
        return Column(Integer, ForeignKey("persons.id"), nullable=False, index=True)

    @declared_attr
    def person(cls) -> Any:
        return relationship("Person")

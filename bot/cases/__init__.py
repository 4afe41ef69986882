"""The case system: persons, organisations, registrations, requests and applications.

Use :func:`make_store` to get a :class:`~bot.cases.store.CaseStore`; records are in :mod:`bot.cases.records`,
errors in :mod:`bot.cases.errors`. Importing this package does nothing else: the implementations are imported
when a store is made, so neither of them is loaded unless it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cases.store import CaseStore
    from bot.settings import Settings


def make_store(settings: Settings, *, hotline: str | None = None) -> CaseStore:
    """The store the settings ask for, behind the identity guard.

    The HTTP API when ``CASE_API_URL`` is set, else the SQL database; either way wrapped in a
    :class:`~bot.cases.identity_guard.GuardedCaseStore` whose attempt counters live in the ``CASE_DB_URL``
    database and are keyed with ``CASE_DATA_KEY``. Creates an engine or an HTTP session, but connects to
    nothing until the first call.

    Raises:
        bot.crypto.CryptoError: no or a malformed ``CASE_DATA_KEY``.
    """
    import datetime as dt

    from bot import crypto
    from bot.cases.identity_guard import GuardedCaseStore, IdentityGuard, Limits
    from bot.cases.sql_store import SqlCaseStore, build_engine

    cipher = crypto.from_settings(settings)
    inner: CaseStore
    if settings.case_api_url:
        from bot.cases.http_store import HttpCaseStore

        inner = HttpCaseStore.from_settings(settings)
        engine = build_engine(settings.case_db_url)
    else:
        sql = SqlCaseStore(settings.case_db_url, today=settings.today, cipher=cipher)
        inner, engine = sql, sql.engine
    limits = Limits(
        max_failures=settings.identity_max_failures,
        sender_max_failures=settings.identity_sender_max_failures,
        lock=dt.timedelta(minutes=settings.identity_lock_minutes),
        proof_valid=dt.timedelta(minutes=settings.identity_proof_minutes),
    )
    guard = (
        IdentityGuard(engine, cipher, limits=limits, hotline=hotline)
        if hotline
        else IdentityGuard(engine, cipher, limits=limits)
    )
    # GuardedCaseStore fills in the interface's other methods at import (delegation), which mypy cannot see.
    return GuardedCaseStore(inner, guard)  # type: ignore[abstract]

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


def make_store(settings: Settings) -> CaseStore:
    """The store the settings ask for: the HTTP API when ``CASE_API_URL`` is set, else the SQL database.

    Creates an engine or an HTTP session, but connects to nothing until the first call.
    """
    if settings.case_api_url:
        from bot.cases.http_store import HttpCaseStore

        return HttpCaseStore.from_settings(settings)
    from bot.cases.sql_store import SqlCaseStore

    return SqlCaseStore(settings.case_db_url, today=settings.today)

"""The case system: persons, organisations, registrations, requests and applications.

Use :func:`bot.cases.store.make_store` to get a :class:`~bot.cases.store.CaseStore`; records are in
:mod:`bot.cases.records`, errors in :mod:`bot.cases.errors`. Importing this package does nothing else.
"""

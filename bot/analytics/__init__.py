"""Analytics for the supervisor's dashboard: redacted conversation events, figures of the case database.

Conversation events leave Rasa through its event broker (:mod:`bot.analytics.broker`), already stripped of
personal data; :mod:`bot.analytics.ingest` turns them into the tables of :mod:`bot.analytics.tables`, and
:mod:`bot.analytics.queries` reads the dashboard's figures from those tables and from the case database.
"""

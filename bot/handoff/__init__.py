"""Human handoff (转人工): the queue, pausing and resuming the bot for a user, and delivering agents' replies.

* :mod:`bot.handoff.hours` — staffed hours (``policy_kb/service.yml``) and what the user is told when queued;
* :mod:`bot.handoff.queue` — waiting requests, taking one (the bot pauses), closing (the bot resumes);
* :mod:`bot.handoff.outbox` — agents' replies until the channel has delivered them;
* :mod:`bot.handoff.rasa_api` — the Rasa HTTP API calls (tracker, ``pause``/``resume`` events);
* :mod:`bot.handoff.rest_channel` — the REST channel that hands a user their agent's replies with their next
  message (REST has no way to push); WeChat replies go out at once through the customer-service API.
"""

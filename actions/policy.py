"""Policy answers: route the user's question to a clause of the knowledge base and say it."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.named import Named


class ActionAnswerPolicy(Named, Action):
    """Answers a policy question from the knowledge base (intent first, full-text search as fallback)."""

    action_name = "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Compose the answer and remember its clause for a later “原文”."""
        if ((tracker.latest_message or {}).get("intent") or {}).get("name") == "nlu_fallback":
            from actions.clarify import ActionClarify  # the module imports this one's services

            return await ActionClarify().run(dispatcher, tracker, domain)
        answer = await asyncio.to_thread(
            services.policy_responder().respond_to_parse,
            tracker.latest_message or {},
            services.today(),
            tracker.get_slot("last_clause"),
        )
        dispatcher.utter_message(text=answer.text)
        if answer.clause_ref:
            return [SlotSet("last_clause", answer.clause_ref)]
        return []

"""Handing the user over to a person (转人工)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.named import Named
from bot.cases.errors import CaseStoreError
from bot.handoff.hours import queued_notice
from bot.privacy import mask_pii


class ActionOfferHuman(Named, Action):
    """Files a handoff request for the service staff and offers the hotline meanwhile."""

    action_name = "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Record the request (when the case system answers) and tell the user how to reach a person."""
        hotline = services.knowledge_base().hotline.render()
        reason = mask_pii((tracker.latest_message or {}).get("text") or "转人工")[:200]
        try:
            handoff = await asyncio.to_thread(
                services.case_store().create_handoff,
                conversation_id=tracker.sender_id,
                channel=services.channel_of(tracker),
                reason=reason,
                id_number=tracker.get_slot("verified_id_number"),
            )
            engine = getattr(services.case_store(), "engine", None)
            filed = await asyncio.to_thread(queued_notice, handoff.reference, engine)
        except CaseStoreError:
            filed = ""
        if filed:
            dispatcher.utter_message(text=filed)
            return []
        dispatcher.utter_message(
            text=f"如需马上咨询，请拨打{hotline}；也可以到户籍所在县区人力资源社会保障部门的服务窗口当面咨询。"
        )
        return []

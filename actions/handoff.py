"""Handing the user over to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services


class ActionOfferHuman(Action):
    """Offers the hotline (and the county office) when the user asks for a human."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Tell the user how to reach a person."""
        hotline = services.knowledge_base().hotline
        dispatcher.utter_message(
            text=(
                f"好的，为您转人工服务：请拨打{hotline.render()}，工作人员会为您解答；"
                "也可以到户籍所在县区人力资源社会保障部门的服务窗口当面咨询。"
            )
        )
        return []

"""Handing the user over to a person (转人工), and the callback number an anonymous user may leave."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.named import Named
from bot import validation
from bot.cases.errors import CaseStoreError
from bot.handoff.hours import queued_notice, service_hours
from bot.privacy import mask_phone, mask_pii

# Said to someone the service does not know: a person replies here, or calls back on a number they leave.
CALLBACK_OFFER = "如果希望工作人员打电话给您，请直接回复您的手机号码（只用于这次回电）；不需要的话在这里等回复就行。"


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
            if tracker.get_slot("verified_id_number"):  # known: the phone on record reaches them
                dispatcher.utter_message(text=filed)
                return []
            dispatcher.utter_message(text=f"{filed}\n{CALLBACK_OFFER}")
            return [SlotSet("callback_pending", handoff.reference)]
        dispatcher.utter_message(
            text=f"如需马上咨询，请拨打{hotline}；也可以到户籍所在县区人力资源社会保障部门的服务窗口当面咨询。"
        )
        return []


def _number_in(message: dict[str, Any]) -> str | None:
    """The phone number a message gives: the extracted entity, or the text when it is only digits and spaces."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "phone" and entity.get("value"):
            return str(entity["value"])
    text = str(message.get("text") or "").strip()
    return text if text and all(c.isdigit() or c in " -" for c in text) else None


class ActionInformWithoutContext(Named, Action):
    """A value given with no question asked: the callback number after an anonymous handoff, otherwise a pointer."""

    action_name = "action_inform_without_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Keep the number on the handoff request (validated), or say what can be asked."""
        reference = tracker.get_slot("callback_pending")
        number = _number_in(tracker.latest_message or {}) if reference else None
        if not reference or number is None:
            dispatcher.utter_message(response="utter_inform_without_context")
            return []
        try:
            phone = validation.validate_mobile(number)
        except validation.ValidationError as error:
            dispatcher.utter_message(text=error.message)
            return []
        try:
            await asyncio.to_thread(services.case_store().set_handoff_callback, reference, phone)
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return [SlotSet("callback_pending", None)]
        hours = service_hours()
        dispatcher.utter_message(
            text=f"好的，已记下回电号码 {mask_phone(phone)}（编号 {reference}），"
            f"工作人员会在服务时间（{hours.describe()}）打给您；急事请拨打{hours.hotline}。"
        )
        return [SlotSet("callback_pending", None)]

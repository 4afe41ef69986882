"""“点对点” transport sign-up (clause 十三): destination, departure date and party size, for a verified person."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import CaseSystemAction
from actions.forms import clear_form_slots
from actions.identity import IdentityFormValidation, ensure_verified
from actions.named import Named
from bot import validation
from bot.validation.dates import is_iso_date, needs_confirmation
from policy_kb.dates import format_date

# "Yes" to "您说的是2027年11月20日出发吗？".
_DESTINATION = functools.partial(validation.validate_free_text, what="目的地", example="江苏昆山")


_CONFIRM_RE = re.compile(r"(?:是|是的|对|对的|没错|确认|嗯|好|好的|就是|是那天|对就那天)[。！!.]?")


class ActionAskDepartureDate(Named, Action):
    """Asks for the departure date, except while a far-ahead date waits for its confirmation."""

    action_name = "action_ask_departure_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """The question of the domain (utter_departure_date_question), unless a confirmation was just asked."""
        if not tracker.get_slot("departure_date_pending"):
            dispatcher.utter_message(response="utter_departure_date_question")
        return []


class ValidateTransportForm(Named, IdentityFormValidation):
    """Identity, then the trip."""

    purpose = "“点对点”出行报名"

    action_name = "validate_transport_form"

    async def validate_destination(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """Where the work is."""
        return await self.validated("destination", value, dispatcher, tracker, _DESTINATION)

    async def validate_departure_date(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """正月初八 / 下周一 / 3月5日, stored as ISO date."""
        if isinstance(value, str) and is_iso_date(value):
            return {"departure_date": value}
        pending = tracker.get_slot("departure_date_pending")
        if pending and isinstance(value, str) and _CONFIRM_RE.fullmatch(value.strip()):
            return {"departure_date": pending, "departure_date_pending": None}
        today = services.today()

        def parse(text: str) -> str:
            return validation.parse_departure_date(text, today).isoformat()

        result = await self.validated("departure_date", value, dispatcher, tracker, parse)
        chosen = result.get("departure_date")
        if not chosen:
            return result
        question = needs_confirmation(str(value), dt.date.fromisoformat(chosen), today)
        if question:
            dispatcher.utter_message(text=question)
            return {"departure_date": None, "departure_date_pending": chosen}
        return {"departure_date": chosen, "departure_date_pending": None}

    async def validate_party_size(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """How many travel together."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"party_size": value}
        return await self.validated("party_size", value, dispatcher, tracker, validation.validate_party_size)


class ActionSubmitTransport(Named, CaseSystemAction):
    """Records the ride request and gives its reference."""

    # No confirmation step: the form asks the last question (how many travel) again, and the answer submits.
    retry_form, retry_slot = "transport_form", "party_size"
    retry_hint = "您填写的信息都已保留，不用重填：稍后再回复一次同行人数（例如“2”）即可重新提交。"

    action_name = "action_submit_transport"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Create the request (an identical open one is reused)."""
        id_number = await ensure_verified(dispatcher, tracker)
        slots = tracker.current_slot_values()
        if not id_number or not all(slots.get(s) for s in ("destination", "departure_date", "party_size")):
            return clear_form_slots()
        departure = dt.date.fromisoformat(slots["departure_date"])
        access = services.access_for(tracker, "“点对点”出行报名")
        request, created = await asyncio.to_thread(
            services.case_store().create_transport_request,
            id_number,
            destination=slots["destination"],
            departure_date=departure,
            party_size=int(slots["party_size"]),
            access=access,
        )
        lead = "已为您报名" if created else "您已经报过这一趟了"
        dispatcher.utter_message(
            text=f"{lead}“点对点”出行：{format_date(departure)}出发去{slots['destination']}，"
            f"{int(slots['party_size'])}人同行，编号 {request.reference}。"
            "是否开行专车以县区安排为准，工作人员会电话联系您。"
        )
        return clear_form_slots()

"""Changing from the chat: a 点对点 request moved to another day, or the job-seeking registration.

"改成初十走" used to get "收到" and the trip kept its old date. Now the person proves who they are (skipped when
already verified in this conversation), says the new day (festival-relative days understood, as in the sign-up),
is shown the open request with the old and the new day, and only a "是" moves it in the case system.

"登记的工作改成保洁" goes to the registration instead: after the identity check the registration on record is
filled in, the change asked for is applied, and the summary waits for "确认" (saving updates the registration).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.cancel import open_item
from actions.forms import clear_form_slots, confirmation, latest_text
from actions.identity import IdentityFormValidation, verified_items
from actions.named import Named
from actions.registration import REGISTRATION_CHANGE
from bot import validation
from bot.cases.errors import CaseStoreError
from bot.validation import ValidationError
from bot.validation.dates import is_iso_date
from policy_kb.dates import format_date

CONFIRM_QUESTION = "确认修改吗？请回复“是”或“不”。"
_REGISTRATION_RE = re.compile(r"登记|工作|工种|本地|外出|培训|类别|县区|户口")
_TRIP_RE = re.compile(r"点对点|专车|专列|车|出发|出行|走|日期|日子|改期|时间|[0-9一二三四五六七八九十初]+[日号]")


def is_registration_change(text: str) -> bool:
    """Whether a change request is about the registration (``登记的工作改成保洁``) rather than a trip."""
    return bool(_REGISTRATION_RE.search(text or "")) and not _TRIP_RE.search(text or "")


def _new_day(text: str, today: dt.date) -> str:
    """The new departure day in ``text`` as an ISO date (a day after today)."""
    return validation.parse_departure_date(text, today).isoformat()


class ValidateChangeForm(Named, IdentityFormValidation):
    """Identity, the new day, then the confirmation."""

    purpose = "修改“点对点”出发日期"

    action_name = "validate_change_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """A change of the registration, asked for in the first message, continues in the registration form."""
        text = latest_text(tracker)
        if not tracker.get_slot("requested_slot") and is_registration_change(text):
            dispatcher.utter_message(text=REGISTRATION_CHANGE)
            return [
                *clear_form_slots(),
                SlotSet("registration_change", text[:200]),
                SlotSet("requested_slot", None),
                FollowupAction("job_seeking_form"),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def extract_change_date(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """A day named in the message that asked for the change ("改到正月十六走") is taken as the new day."""
        if tracker.get_slot("change_date") or tracker.get_slot("requested_slot"):
            return {}
        try:
            return {"change_date": _new_day(latest_text(tracker), services.today())}
        except ValidationError:
            return {}

    async def validate_change_date(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """正月十六 / 3月2日 / 下周一, stored as ISO date."""
        if isinstance(value, str) and is_iso_date(value):
            return {"change_date": value}
        today = services.today()
        return await self.validated("change_date", value, dispatcher, tracker, lambda text: _new_day(text, today))

    async def validate_change_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """是 / 不 to the change shown."""
        return confirmation("change_confirmed", value, CONFIRM_QUESTION, dispatcher)


class ActionAskChangeConfirmed(Named, Action):
    """Shows the open request with its old and new day and asks to confirm; says so when there is none."""

    action_name = "action_ask_change_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Find the request (verified owner only) and ask."""
        items = await verified_items(dispatcher, tracker, "修改“点对点”出发日期")
        if items is None:
            return [SlotSet("change_confirmed", False)]
        item = open_item(items, "transport_request")
        new_day = dt.date.fromisoformat(tracker.get_slot("change_date"))
        if item is None:
            dispatcher.utter_message(text="没有找到您名下还在办理中的“点对点”出行报名。要报名请说“报名点对点专车”。")
            return [SlotSet("change_confirmed", False), SlotSet("change_reference", None)]
        if item.departure_date == new_day:
            dispatcher.utter_message(text=f"{item.reference} 本来就是{format_date(new_day)}出发，不用修改。")
            return [SlotSet("change_confirmed", False), SlotSet("change_reference", None)]
        old_day = format_date(item.departure_date) if item.departure_date else "原定日期"
        dispatcher.utter_message(
            text=f"要把 {item.reference}（去{item.destination}，{item.party_size} 人）的出发日期"
            f"从{old_day}改为{format_date(new_day)}。{CONFIRM_QUESTION}"
        )
        return [SlotSet("change_reference", item.reference)]


class ActionSubmitChange(Named, Action):
    """Moves the confirmed request to the new day in the case system."""

    action_name = "action_submit_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Change (after 是) or keep (after 不)."""
        reference = tracker.get_slot("change_reference")
        new_day = tracker.get_slot("change_date")
        reset = [*clear_form_slots(), SlotSet("change_reference", None)]
        if not reference or not new_day or not tracker.get_slot("verified_id_number"):
            return reset
        if tracker.get_slot("change_confirmed") is not True:
            dispatcher.utter_message(text=f"好的，没有修改，{reference} 保持原来的出发日期。")
            return reset
        access = services.access_for(tracker, "修改“点对点”出发日期")
        try:
            item = await asyncio.to_thread(
                services.case_store().change_departure_date, reference, dt.date.fromisoformat(new_day), access=access
            )
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return reset
        day = format_date(item.departure_date) if item.departure_date else format_date(dt.date.fromisoformat(new_day))
        dispatcher.utter_message(
            text=f"已修改：{item.reference} 改为{day}出发。是否开行专车以县区安排为准，工作人员会电话联系您。"
        )
        return reset

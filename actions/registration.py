"""Job-seeking registration (求职登记): the form's validation, its summary and the submission."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.base import CaseSystemAction
from actions.forms import AssistantFormValidation, clear_form_slots, latest_text
from actions.named import Named
from bot import validation
from bot.cases.errors import CaseStoreError, IdentityLocked, IdentityMismatch
from bot.cases.records import PersonDetails
from bot.form_values import parse_corrections, parse_work_location, parse_yes_no
from bot.privacy import mask_id_number
from bot.replies import correction_notice, registration_summary
from bot.validation.places import township_county
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS

TRANSPORT_QUESTION = "外出务工需要坐“点对点”专车吗？"
# A registration asked for with these words changes the one on record.
_CHANGE_RE = re.compile(r"改|换|修改|更正|更新|变更")
REGISTRATION_CHANGE = "好的，修改求职登记：先核对身份，您原来登记的内容会自动带出，改好后请核对汇总再确认。"
# What proves who someone is: not changed through the chat.
IDENTITY_FIELDS = frozenset({"person_name", "phone", "id_number"})
TRAINING_QUESTION = "想参加职业技能培训吗？"


def slot_parsers(today) -> dict[str, Any]:
    """How each registration answer is read (shared by the questions and by corrections)."""
    return {
        "id_number": lambda text: validation.validate_id_number(text, today),
        "phone": validation.validate_mobile,
        "person_name": validation.validate_name,
        "county": validation.validate_linyi_county,
        "person_category": validation.validate_person_category,
        "work_wanted": lambda text: validation.validate_free_text(text, what="想找的工作", example="电工、进厂、保洁"),
        "work_location": parse_work_location,
        "needs_transport": lambda text: parse_yes_no(text, TRANSPORT_QUESTION),
        "wants_training": lambda text: parse_yes_no(text, TRAINING_QUESTION),
    }


class ValidateJobSeekingForm(Named, AssistantFormValidation):
    """Validates each answer of the registration; fills in what the case system already knows."""

    action_name = "validate_job_seeking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A registration started by a change ("我登记的工作想改成保洁") remembers the change for the record."""
        text = latest_text(tracker)
        starting = not tracker.get_slot("requested_slot") and not tracker.get_slot("registration_change")
        if starting and _CHANGE_RE.search(text):
            dispatcher.utter_message(text=REGISTRATION_CHANGE)
            return [SlotSet("registration_change", text[:200]), *await super().run(dispatcher, tracker, domain)]
        return await super().run(dispatcher, tracker, domain)

    def correctable_slots(self) -> dict[str, Any]:
        """Every registration answer can be corrected in passing, while answering a later question."""
        return slot_parsers(services.today())

    async def _validate(self, slot: str, value: Any, dispatcher, tracker) -> dict[str, Any]:
        return await self.validated(slot, value, dispatcher, tracker, slot_parsers(services.today())[slot])

    async def validate_id_number(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """18-digit resident ID with a valid check digit."""
        return await self._validate("id_number", value, dispatcher, tracker)

    async def validate_phone(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """Mobile number; with the ID it may find the person's record and skip known questions."""
        result = await self._validate("phone", value, dispatcher, tracker)
        phone, id_number = result.get("phone"), tracker.get_slot("id_number")
        if not (phone and id_number):
            return result
        access = services.access_for(tracker, "求职登记核对身份")
        try:
            person = await asyncio.to_thread(services.case_store().verify_person, id_number, phone, access=access)
        except IdentityLocked as error:
            dispatcher.utter_message(text=error.user_message)
            return result  # saving will be refused the same way until the lock ends
        except CaseStoreError:
            return result  # the record cannot be read now: ask the remaining questions
        if person is None:
            return result
        dispatcher.utter_message(
            text=f"已找到您的档案（{person.name[:1]}**，{person.county or person.origin_county or ''}，"
            f"{person.category_label}），这些信息不用再填。"
        )
        known = {
            **result,
            "person_name": person.name,
            "county": person.county or person.origin_county,
            "person_category": person.category,
            "verified_id_number": person.id_number,
        }
        change = tracker.get_slot("registration_change")
        if not change:
            return known
        on_record = await self._registration_on_record(person.id_number, tracker)
        return {**known, **on_record, **self._apply_change(str(change), dispatcher)}

    async def _registration_on_record(self, id_number: str, tracker: Tracker) -> dict[str, Any]:
        """The wanted work and place of the registration on record, for a change asked for in the chat."""
        access = services.access_for(tracker, "修改求职登记")
        try:
            items = await asyncio.to_thread(services.case_store().get_status, id_number, access=access)
        except CaseStoreError:
            return {}
        registration = next((i for i in reversed(items) if i.kind == "registration"), None)
        if registration is None:
            return {}
        found: dict[str, Any] = {"work_wanted": registration.work_wanted, "work_location": registration.local_or_away}
        if registration.local_or_away == "local":
            found["needs_transport"] = False
        return {slot: value for slot, value in found.items() if value is not None}

    def _apply_change(self, text: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """The fields ``text`` changes ("登记的工作改成保洁"); name, phone and ID number are not changed here."""
        parsers = slot_parsers(services.today())
        changed: dict[str, Any] = {}
        for correction in parse_corrections(text):
            if correction.slot in IDENTITY_FIELDS:
                hotline = services.knowledge_base().hotline.render()
                dispatcher.utter_message(
                    text=f"姓名、手机号和身份证号用来核对身份，不能在这里修改；需要修改请携带身份证到县区人社部门窗口，或拨打{hotline}。"
                )
                continue
            try:
                changed[correction.slot] = parsers[correction.slot](correction.value)
            except validation.ValidationError as error:
                dispatcher.utter_message(text=error.message)
        if changed.get("work_location") == "local":
            changed["needs_transport"] = False
        if changed:
            dispatcher.utter_message(text=correction_notice(changed))
        return changed

    async def validate_person_name(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """Name as on the ID card."""
        return await self._validate("person_name", value, dispatcher, tracker)

    async def validate_county(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """A Linyi county or district, short forms accepted."""
        if tracker.get_slot("verified_id_number") and value == tracker.get_slot("county"):
            return {"county": value}  # taken from the case system (may be a county of origin)
        result = await self._validate("county", value, dispatcher, tracker)
        county = result.get("county")
        found = township_county(str(value or ""))
        if county and found and found[1] == county and county[:2] not in str(value):
            dispatcher.utter_message(text=f"{found[0]}属于{county}，按{county}登记（不对的话最后可以修改）。")
        return result

    async def validate_person_category(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """脱贫户 / 边缘户 / 搬迁户 … mapped to the official category."""
        if value in PERSON_CATEGORY_LABELS:
            return {"person_category": value}
        return await self._validate("person_category", value, dispatcher, tracker)

    async def validate_work_wanted(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """A short description of the wanted work."""
        return await self._validate("work_wanted", value, dispatcher, tracker)

    async def validate_work_location(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """本地 or 外出."""
        result = (
            {"work_location": value}
            if value in ("local", "away")
            else await self._validate("work_location", value, dispatcher, tracker)
        )
        if result.get("work_location") == "local":
            result["needs_transport"] = False  # the 专车 is for going away to work: not asked after 本地
        return result

    async def required_slots(self, domain_slots, dispatcher, tracker, domain: DomainDict) -> list[str]:
        """The 专车 question only follows 外出务工."""
        if tracker.get_slot("work_location") == "local":
            return [s for s in domain_slots if s != "needs_transport"]
        return list(domain_slots)

    async def validate_needs_transport(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """Whether a 点对点 ride is wanted."""
        if isinstance(value, bool):
            return {"needs_transport": value}
        return await self._validate("needs_transport", value, dispatcher, tracker)

    async def validate_wants_training(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """Whether training is wanted."""
        if isinstance(value, bool):
            return {"wants_training": value}
        return await self._validate("wants_training", value, dispatcher, tracker)

    async def validate_registration_confirmed(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """确认 saves; a correction changes one field and shows the summary again."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        text = latest_text(tracker)
        corrections = parse_corrections(text)
        if corrections:
            parsers = slot_parsers(services.today())
            changed: dict[str, Any] = {}
            for correction in corrections:  # several in one message: all or none
                try:
                    changed[correction.slot] = await asyncio.to_thread(parsers[correction.slot], correction.value)
                except validation.ValidationError as error:
                    dispatcher.utter_message(text=error.message)
                    return {"registration_confirmed": None}
            if changed.get("work_location") == "local":
                changed["needs_transport"] = False
            dispatcher.utter_message(response="utter_registration_changed")
            return {**changed, "registration_confirmed": None}
        if intent == "affirm" or text.strip() in ("确认", "确定", "对", "是", "没问题", "无误", "重试", "再试一次"):
            return {"registration_confirmed": True}
        if await self.answer_mid_form_question(dispatcher, tracker):
            return {"registration_confirmed": None}
        if intent == "deny":
            dispatcher.utter_message(response="utter_ask_which_correction")
        else:
            dispatcher.utter_message(response="utter_registration_confirmation_unclear")
        return {"registration_confirmed": None}


class ActionAskRegistrationConfirmed(Named, Action):
    """Shows the summary and asks for confirmation."""

    action_name = "action_ask_registration_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the summary."""
        dispatcher.utter_message(text=registration_summary(tracker.current_slot_values()))
        return []


class ActionSubmitRegistration(Named, CaseSystemAction):
    """Saves the confirmed registration in one transaction and gives the reference number."""

    retry_form, retry_slot = "job_seeking_form", "registration_confirmed"

    action_name = "action_submit_registration"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Create or update the registration."""
        slots = tracker.current_slot_values()
        if slots.get("registration_confirmed") is not True:
            return clear_form_slots()
        details = PersonDetails(
            id_number=slots["id_number"],
            name=slots["person_name"],
            phone=slots["phone"],
            category=slots["person_category"],
            county=slots["county"],
        )
        access = services.access_for(tracker, "求职登记")
        try:
            registration, created = await asyncio.to_thread(
                services.case_store().upsert_registration,
                details,
                work_wanted=slots["work_wanted"],
                local_or_away=slots["work_location"],
                needs_transport=bool(slots["needs_transport"]),
                wants_training=bool(slots["wants_training"]),
                access=access,
            )
        except IdentityMismatch:
            hotline = services.knowledge_base().hotline.render()
            dispatcher.utter_message(
                text=f"抱歉，无法完成登记：填写的信息与系统中的记录不一致。请携带身份证到县区人社部门窗口办理，或拨打{hotline}。"
            )
            return clear_form_slots()
        verb = "已登记" if created else "已更新您原有的求职登记"
        dispatcher.utter_message(
            text=f"{verb}，登记编号 {registration.reference}（身份证 {mask_id_number(details.id_number)}）。"
            "以后说“查进度”并核对身份证号和手机号，就能查看办理情况。"
        )
        return [*clear_form_slots(), SlotSet("verified_id_number", details.id_number)]

"""Identity checks shared by the status lookup, the eligibility check and the transport sign-up.

A person proves who they are with their ID number and, when an SMS gateway is configured (``SMS_API_URL``), a
one-time code sent to the phone on record (:class:`bot.cases.one_time_codes.SmsVerification`); without one (the
embedded demo) with the phone on record or its last four digits. A mismatch says nothing about whether the ID
exists. The attempts are limited on the server side, per ID number
and per channel user, across conversations (:mod:`bot.cases.identity_guard`); the slot counter here only ends
the current form after three failures.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.forms import AssistantFormValidation
from bot import settings, validation
from bot.cases.errors import CaseStoreError
from bot.cases.records import StatusItem
from bot.sms import SmsUnavailable

MAX_FAILURES = 3
# "I never registered": offered the registration, not three failed identity checks.
NEVER_REGISTERED_RE = re.compile(r"没登记|没有登记|没登过|没做过登记|没注册|没有注册|从来没登|第一次|还没登记|未登记")
RESEND_RE = re.compile(r"重发|再发|没收到|收不到|没有收到")
CODE_SENT = (
    "如果这个身份证号做过求职登记，验证码已经用短信发到登记的手机上，请回复短信里的 6 位数字（{minutes} 分钟内有效）。"
    "没收到请回复“重发”；还没做过求职登记的话请回复“没登记”。"
)
REGISTER_FIRST = (
    "那需要先做求职登记（身份证号、手机号、姓名、县区等几项），登记后就能报名“点对点”和查询进度。"
    "现在登记请回复“我要登记”。"
)


def failures(tracker: Tracker) -> int:
    """Failed identity checks so far in this conversation."""
    return int(tracker.get_slot("verification_failures") or 0)


def locked_out_message() -> str:
    """What to say after too many failed checks."""
    hotline = services.knowledge_base().hotline.render()
    return (
        f"身份核对已连续{MAX_FAILURES}次未通过，为保护个人信息，已暂停核对，"
        f"请在{settings.load().identity_lock_minutes}分钟后再试。"
        f"如需帮助，请拨打{hotline}，或携带身份证到县区人社部门窗口办理。"
    )


async def send_code(dispatcher: CollectingDispatcher, tracker: Tracker, purpose: str) -> bool:
    """Send a one-time code for the ID number in the tracker and say so; ``False`` when none could be sent."""
    sms = services.sms_verification()
    id_number = tracker.get_slot("id_number")
    if sms is None or not id_number:
        return False
    try:
        await asyncio.to_thread(sms.send_code, id_number, access=services.access_for(tracker, purpose))
    except (CaseStoreError, SmsUnavailable) as error:
        dispatcher.utter_message(text=error.user_message)
        return False
    dispatcher.utter_message(text=CODE_SENT.format(minutes=sms.minutes))
    return True


class ActionAskPhoneCheck(Action):
    """Asks for the proof of identity: sends the SMS code first when a gateway is configured."""

    def name(self) -> str:
        """The forms ask for ``phone_check`` through this action (SMS or the ``utter_phone_on_record`` question)."""
        return "action_ask_phone_check"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        """Send the code (SMS mode) or ask for the phone on record (last-four mode)."""
        sms = services.sms_verification()
        if sms is None:
            dispatcher.utter_message(response="utter_phone_on_record")
            return []
        id_number = tracker.get_slot("id_number") or ""
        if await asyncio.to_thread(sms.codes.pending, id_number, tracker.sender_id):
            return []  # a code was just sent (or resent) in this conversation: the last message asked for it
        if not await send_code(dispatcher, tracker, IdentityFormValidation.purpose):
            dispatcher.utter_message(text="您可以稍后回复“重发”再试，或回复“算了”先办别的。")
        return []


class IdentityFormValidation(AssistantFormValidation):
    """Validates ``id_number`` and ``phone_check`` and verifies them against the case system."""

    purpose = "查询"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        """Skip the identity questions once verified in this conversation; ask nothing when locked out."""
        if failures(tracker) >= MAX_FAILURES:
            return []
        if tracker.get_slot("verified_id_number"):
            return [s for s in domain_slots if s not in ("id_number", "phone_check")]
        return list(domain_slots)

    async def validate_id_number(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """18-digit resident ID."""
        if failures(tracker) >= MAX_FAILURES:
            dispatcher.utter_message(text=locked_out_message())
            return {"id_number": None, "requested_slot": None}
        return await self.validated(
            "id_number", value, dispatcher, tracker, lambda text: validation.validate_id_number(text, services.today())
        )

    async def validate_phone_check(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """The phone on record or its last four digits; verified together with the ID number.

        Someone who says they never registered is offered the registration instead of failed checks.
        """
        if isinstance(value, str) and NEVER_REGISTERED_RE.search(value):
            dispatcher.utter_message(text=REGISTER_FIRST)
            return {"id_number": None, "phone_check": None, "requested_slot": None}
        sms = services.sms_verification()
        if sms is not None and isinstance(value, str) and RESEND_RE.search(value):
            await send_code(dispatcher, tracker, self.purpose)
            return {"phone_check": None}
        parse = validation.validate_sms_code if sms is not None else validation.validate_phone_or_last4
        result = await self.validated("phone_check", value, dispatcher, tracker, parse)
        phone, id_number = result.get("phone_check"), tracker.get_slot("id_number")
        if not phone or not id_number:
            return result
        access = services.access_for(tracker, self.purpose)
        try:
            if sms is not None:
                person = await asyncio.to_thread(sms.verify_code, id_number, phone, access=access)
            else:
                person = await asyncio.to_thread(services.case_store().verify_person, id_number, phone, access=access)
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return {"id_number": None, "phone_check": None, "requested_slot": None}
        if person is not None:
            return {"phone_check": phone, "verified_id_number": person.id_number}
        count = failures(tracker) + 1
        left = MAX_FAILURES - count
        server_left = await asyncio.to_thread(services.case_store().identity_attempts_left, "person", id_number)
        if server_left is not None:
            left = min(left, server_left)
        if left <= 0:
            dispatcher.utter_message(text=locked_out_message())
            return {"id_number": None, "phone_check": None, "verification_failures": count, "requested_slot": None}
        if sms is not None:  # the code stays valid: ask for it again, not for the ID number
            dispatcher.utter_message(
                text=f"验证码不对或已过期（还可以再试{left}次）。请再输入一次短信里的 6 位数字；没收到请回复“重发”。"
            )
            return {"phone_check": None, "verification_failures": count}
        dispatcher.utter_message(
            text=f"身份证号和手机号核对不上（还可以再试{left}次）。请重新输入身份证号；还没做过求职登记的话，请回复“没登记”。"
        )
        return {"id_number": None, "phone_check": None, "verification_failures": count}


def verified_person_id(tracker: Tracker) -> str | None:
    """The ID number verified in this conversation, if any."""
    return tracker.get_slot("verified_id_number")


async def ensure_verified(dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
    """The verified ID, or None after telling the user why nothing is shown."""
    verified = verified_person_id(tracker)
    if not verified and failures(tracker) >= MAX_FAILURES:
        dispatcher.utter_message(text=locked_out_message())
    return verified


async def verified_items(dispatcher: CollectingDispatcher, tracker: Tracker, purpose: str) -> list[StatusItem] | None:
    """The verified person's registrations and requests, or ``None`` after telling the user why not."""
    id_number = await ensure_verified(dispatcher, tracker)
    if not id_number:
        return None
    access = services.access_for(tracker, purpose)
    try:
        return await asyncio.to_thread(services.case_store().get_status, id_number, access=access)
    except CaseStoreError as error:
        dispatcher.utter_message(text=error.user_message)
        return None

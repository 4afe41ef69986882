"""Applications from the chat: a person's training enrolment (clause 十四) and an employer's or agency's subsidy.

Both forms validate each answer, show a summary built from the knowledge base, wait for 确认, save once through
the case store (an identical open request is returned instead of a duplicate) and give the reference, which
the status lookups (查进度, 查单位备案信息) then list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.base import CaseSystemAction
from actions.forms import AssistantFormValidation, clear_form_slots
from actions.identity import MAX_FAILURES, IdentityFormValidation, ensure_verified, failures
from actions.named import Named
from bot import validation
from bot.cases.errors import CaseStoreError
from bot.cases.records import EmployerRecord, SubsidyApplicant
from bot.form_values import parse_yes_no
from bot.privacy import mask_id_number
from policy_kb.dates import clause_time_note, expiry_reason
from policy_kb.eligibility import Verdict, evaluate_employer, evaluate_hr_agency
from policy_kb.estimate import estimate
from policy_kb.model import Benefit, Clause

TRAINING_TOPIC = "skills_training"
# The subsidy an organisation can apply for here, by the kind of organisation the credit code belongs to.
SUBSIDY_TOPICS = {"employer": "work_for_training", "hr_agency": "labor_export_subsidy"}
CONFIRM_WORDS = ("确认", "确定", "提交", "没问题", "对", "是", "好", "可以", "重试", "再试一次")


def _confirmed(text: str, intent: str | None, question: str) -> bool:
    """确认 → True, 不 … → False; anything else raises ``ValidationError`` repeating ``question``."""
    compact = text.strip()
    if intent == "affirm" or compact in CONFIRM_WORDS:
        return True
    if intent == "deny":
        return False
    return parse_yes_no(compact, question)


async def _confirmation(
    form: IdentityFormValidation,
    slot: str,
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    question: str,
    not_saved: str,
) -> dict[str, Any]:
    """The answer to a confirmation question; a “no” ends the form, saying that nothing was saved."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    result = await form.validated(slot, value, dispatcher, tracker, lambda text: _confirmed(text, intent, question))
    if result.get(slot) is False:
        dispatcher.utter_message(text=not_saved)
        return {**result, "requested_slot": None}
    return result


# --- Training enrolment -------------------------------------------------------------------------------------

TRAINING_CONFIRM_QUESTION = "确认报名请回复“确认”，不报了请说“算了”。"
_COURSE = functools.partial(validation.validate_free_text, what="想学的工种", example="电工、家政服务员、育婴员")


def training_rule_lines(on: dt.date) -> list[str]:
    """Clause 十四's living-allowance rule as of ``on``, from the knowledge base (answer, conditions, validity)."""
    kb = services.knowledge_base()
    clause = kb.clause_for_topic(TRAINING_TOPIC, on)
    if clause is None:
        return []
    doc = kb.document_by_id(clause.document_id)
    lines = [f"关于培训期间的生活费补贴：{clause.answer}"]
    conditions = "；".join(clause.render(c.text) for c in clause.conditions)
    if conditions:
        lines.append(f"条件：{conditions}。")
    note = clause_time_note(doc, clause, on, kb.hotline)
    if note:
        lines.append(note)
    lines.append(clause.citation)
    return lines


class ValidateTrainingForm(Named, IdentityFormValidation):
    """Identity, the course, and the confirmation."""

    purpose = "技能培训报名"

    action_name = "validate_training_form"

    async def validate_course(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """What the person wants to learn."""
        return await self.validated("course", value, dispatcher, tracker, _COURSE)

    async def validate_training_confirmed(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """确认 saves; 不 ends without saving."""
        not_saved = "好的，没有报名，刚才填写的信息没有保存。"
        return await _confirmation(
            self, "training_confirmed", value, dispatcher, tracker, TRAINING_CONFIRM_QUESTION, not_saved
        )


class ActionAskTrainingConfirmed(Named, Action):
    """The enrolment summary with clause 十四's living-allowance rule, and the request to confirm."""

    action_name = "action_ask_training_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the summary."""
        id_number = tracker.get_slot("verified_id_number") or ""
        lines = [
            "请核对培训报名信息：",
            f"报名人身份证：{mask_id_number(id_number)}",
            f"培训工种：{tracker.get_slot('course')}",
            *training_rule_lines(services.today()),
            TRAINING_CONFIRM_QUESTION,
        ]
        dispatcher.utter_message(text="\n".join(lines))
        return []


class ActionSubmitTraining(Named, CaseSystemAction):
    """Saves the confirmed enrolment once and gives its reference."""

    retry_form, retry_slot = "training_form", "training_confirmed"

    action_name = "action_submit_training"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Create the enrolment (an open one in the same course is reused)."""
        id_number = await ensure_verified(dispatcher, tracker)
        course = tracker.get_slot("course")
        if not id_number or not course or tracker.get_slot("training_confirmed") is not True:
            return clear_form_slots()
        access = services.access_for(tracker, "技能培训报名")
        enrolment, created = await asyncio.to_thread(
            services.case_store().create_training_enrolment, id_number, course=course, access=access
        )
        lead = "已为您报名" if created else "您已经报过这个培训了，没有重复报名"
        dispatcher.utter_message(
            text=f"{lead}：{course}培训，编号 {enrolment.reference}（{enrolment.status_label}）。"
            "县区人社部门会联系您安排培训；以后说“查进度”并核对身份，就能看到这条报名。"
        )
        return clear_form_slots()


# --- Subsidy application by an employer or an HR agency ----------------------------------------------------

SUBSIDY_CONFIRM_QUESTION = "确认提交请回复“确认”，不提交请说“算了”。"


def _clause(topic: str | None, on: dt.date) -> Clause | None:
    return services.knowledge_base().clause_for_topic(topic, on) if topic else None


def _org_failure_message(count: int) -> str:
    hotline = services.knowledge_base().hotline.render()
    if count >= MAX_FAILURES:
        return (
            f"单位信息已连续{MAX_FAILURES}次核对不上，本次对话中不再受理。请拨打{hotline}，或到县区人社部门窗口办理。"
        )
    return f"统一社会信用代码和联系电话核对不上（还可以再试{MAX_FAILURES - count}次）。请重新输入统一社会信用代码。"


def _find_organisation(store, code: str):
    employer = store.find_employer(code)
    if employer is not None:
        return "employer", employer
    agency = store.find_hr_agency(code)
    return ("hr_agency", agency) if agency is not None else (None, None)


def _jobs(store, kind: str, code: str, access) -> list:
    if kind == "employer":
        return store.list_employments(code, access=access)
    return store.list_placements(code, access=access)


class ValidateSubsidyForm(Named, AssistantFormValidation):
    """Verified organisation, the person the subsidy is for, months (monthly subsidies), confirmation."""

    action_name = "validate_subsidy_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        """Months only for a subsidy paid per month; nothing more after too many failed checks."""
        if failures(tracker) >= MAX_FAILURES:
            return []
        clause = _clause(tracker.get_slot("subsidy_kind"), services.today())
        if clause and clause.benefit and clause.benefit.basis != "per_person_month":
            return [s for s in domain_slots if s != "subsidy_months"]
        return list(domain_slots)

    async def validate_credit_code(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """GB 32100 code with a valid check character."""
        if failures(tracker) >= MAX_FAILURES:
            dispatcher.utter_message(text=_org_failure_message(MAX_FAILURES))
            return {"credit_code": None, "requested_slot": None}
        return await self.validated("credit_code", value, dispatcher, tracker, validation.validate_credit_code)

    async def validate_org_phone(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """The contact phone on record; verified with the code, which decides the subsidy applied for."""
        result = await self.validated("org_phone", value, dispatcher, tracker, validation.validate_phone_or_last4)
        phone, code = result.get("org_phone"), tracker.get_slot("credit_code")
        if not phone or not code:
            return result
        store = services.case_store()
        access = services.access_for(tracker, "单位补贴申请")
        try:
            found = await asyncio.to_thread(store.verify_organisation, code, phone, access=access)
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return {"credit_code": None, "org_phone": None, "requested_slot": None}
        if found is None:
            count = failures(tracker) + 1
            dispatcher.utter_message(text=_org_failure_message(count))
            reset = {"credit_code": None, "org_phone": None, "verification_failures": count}
            return {**reset, "requested_slot": None} if count >= MAX_FAILURES else reset
        kind = "employer" if isinstance(found, EmployerRecord) else "hr_agency"
        today = services.today()
        kb = services.knowledge_base()
        clause = _clause(SUBSIDY_TOPICS[kind], today)
        name = found.name
        if clause is None or clause.benefit is None:
            dispatcher.utter_message(
                text=f"核对成功（{name}）。知识库中没有可在这里申请的补贴，请咨询{kb.hotline.render()}。"
            )
            return {"credit_code": None, "org_phone": None, "requested_slot": None}
        ended = expiry_reason(kb.document_by_id(clause.document_id), clause, today)
        if ended:
            dispatcher.utter_message(
                text=f"核对成功（{name}）。{clause.benefit.name}（{clause.label}）：{ended}，"
                f"目前不能在这里提交申请，也没有保存任何信息。现行政策请咨询{kb.hotline.render()}。"
            )
            return {"credit_code": None, "org_phone": None, "requested_slot": None}
        dispatcher.utter_message(text=f"核对成功：{name}，可申请{clause.benefit.name}（{clause.label}）。")
        return {**result, "subsidy_kind": clause.topic}

    async def validate_subsidy_person(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """The person the subsidy is for: one of the organisation's people, who meets the clause's conditions."""
        result = await self.validated(
            "subsidy_person",
            value,
            dispatcher,
            tracker,
            lambda text: validation.validate_id_number(text, services.today()),
        )
        id_number, code = result.get("subsidy_person"), tracker.get_slot("credit_code")
        if not id_number or not code:
            return result
        store, kb, today = services.case_store(), services.knowledge_base(), services.today()
        access = services.access_for(tracker, "单位补贴申请")
        try:
            kind, organisation = await asyncio.to_thread(_find_organisation, store, code)
            jobs = await asyncio.to_thread(_jobs, store, kind, code, access) if kind else []
        except CaseStoreError as error:
            dispatcher.utter_message(text=error.user_message)
            return {"subsidy_person": None, "requested_slot": None}
        job = next((j for j in jobs if j.id_number == id_number), None)
        if job is None:
            dispatcher.utter_message(
                text="贵单位的登记中没有这位人员。请核对身份证号后重新输入；人员登记有误请联系县区人社部门。"
            )
            return {"subsidy_person": None}
        evaluate = evaluate_employer if kind == "employer" else evaluate_hr_agency
        topic = tracker.get_slot("subsidy_kind")
        findings = [f for f in evaluate(kb, organisation, [job], today) if f.clause.topic == topic]
        if not findings or findings[0].verdict is Verdict.NOT_ELIGIBLE:
            reasons = "；".join(findings[0].reasons) if findings else "没有找到对应的条款"
            dispatcher.utter_message(
                text=f"这位人员不符合申请条件：{reasons}。申请没有提交。{findings[0].citation if findings else ''}"
            )
            return {"subsidy_person": None, "requested_slot": None}
        return {"subsidy_person": id_number}

    async def validate_subsidy_months(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """Months employed with 以工代训 (the summary caps them at the clause's maximum)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"subsidy_months": value}

        def parse(text: str) -> int:
            return validation.parse_quantity(text, what="月数", example="6 个月", minimum=1, maximum=120)

        return await self.validated("subsidy_months", value, dispatcher, tracker, parse)

    async def validate_subsidy_confirmed(self, value, dispatcher, tracker, domain: DomainDict) -> dict[str, Any]:
        """确认 submits; 不 ends without saving."""
        not_saved = "好的，申请没有提交，刚才填写的信息没有保存。"
        return await _confirmation(
            self, "subsidy_confirmed", value, dispatcher, tracker, SUBSIDY_CONFIRM_QUESTION, not_saved
        )


def subsidy_amount(benefit: Benefit, months: int | None) -> tuple[int, str]:
    """The standard amount of ``benefit`` for one person (and ``months``) and the sentence showing the sum."""
    result = estimate(benefit, 1, months)
    return int(result.total), result.sentence


class ActionAskSubsidyConfirmed(Named, Action):
    """The application summary (what, for whom, how much, on which clause) and the request to confirm."""

    action_name = "action_ask_subsidy_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the summary."""
        today = services.today()
        clause = _clause(tracker.get_slot("subsidy_kind"), today)
        if clause is None or clause.benefit is None:
            return []
        months = tracker.get_slot("subsidy_months")
        _, sentence = subsidy_amount(clause.benefit, int(months) if months else None)
        lines = [
            "请核对补贴申请：",
            f"申请单位代码：{tracker.get_slot('credit_code')}",
            f"申请项目：{clause.benefit.name}",
            f"人员身份证：{mask_id_number(tracker.get_slot('subsidy_person') or '')}",
            sentence,
            f"条件：{clause.key_condition}",
            clause.citation,
            "提交后由县区人社部门审核，金额以审核结果为准。",
            SUBSIDY_CONFIRM_QUESTION,
        ]
        dispatcher.utter_message(text="\n".join(lines))
        return []


class ActionSubmitSubsidy(Named, CaseSystemAction):
    """Files the confirmed application once and gives its reference."""

    retry_form, retry_slot = "subsidy_form", "subsidy_confirmed"

    action_name = "action_submit_subsidy"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Create the application (an open one for the same person and clause is returned instead)."""
        slots = tracker.current_slot_values()
        clause = _clause(slots.get("subsidy_kind"), services.today())
        benefit = clause.benefit if clause is not None else None
        if slots.get("subsidy_confirmed") is not True or clause is None or benefit is None:
            return clear_form_slots()
        if not slots.get("subsidy_person"):
            return clear_form_slots()
        kind = "employer" if benefit.recipient == "employer" else "hr_agency"
        months = int(slots["subsidy_months"]) if slots.get("subsidy_months") else None
        amount, _ = subsidy_amount(benefit, months)
        if months and benefit.max_months:
            months = min(months, int(benefit.max_months.value))
        access = services.access_for(tracker, "单位补贴申请")
        application, created = await asyncio.to_thread(
            services.case_store().create_subsidy_application,
            SubsidyApplicant(kind=kind, identifier=slots["credit_code"]),
            clause=clause.index,
            amount_yuan=amount,
            access=access,
            beneficiary_id_number=slots["subsidy_person"],
            months=months,
        )
        if created:
            lead = f"已提交{benefit.name}申请，编号 {application.reference}，金额 {amount} 元（以审核为准）。"
        else:
            lead = (
                f"这位人员已有一份正在办理的{benefit.name}申请（编号 {application.reference}，"
                f"{application.status_label}），没有重复提交。"
            )
        dispatcher.utter_message(text=lead + "办理进度可以说“查单位备案信息”查看。")
        return clear_form_slots()

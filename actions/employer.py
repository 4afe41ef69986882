"""Employers and HR agencies: subsidy estimates (以工代训, 劳务输出) and their own record by credit code."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import CaseSystemAction
from actions.forms import AssistantFormValidation, clear_form_slots, latest_text
from actions.named import Named
from bot import validation
from bot.cases.errors import CaseStoreError
from bot.cases.records import EmployerRecord
from bot.facts import extract_facts
from bot.quantities import people_count
from bot.replies import numbered_status_lines
from policy_kb.answer import answer_clause, answer_estimate
from policy_kb.eligibility import evaluate_employer, evaluate_hr_agency, format_findings
from policy_kb.model import Clause, KnowledgeBase
from policy_kb.stated import estimate_groups
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS

# Which clause topic a subsidy question is about, by the words people use.
SUBSIDY_KINDS: tuple[tuple[str, str], ...] = (
    ("labor_export_subsidy", r"劳务输出|输出|人力资源|人力公司|中介|劳务公司|经纪人|求职创业补贴|外县|外地"),
    ("work_for_training", r"以工代训|以工带训|帮扶车间|车间|合作社|社区工厂|卫星工厂|吸纳|招"),
)
_KIND_QUESTION = "请问是哪一种补贴：回复“以工代训”（单位吸纳脱贫人口就业），或“劳务输出”（人力资源机构有组织输出）？"


def subsidy_kind_of(text: str) -> str | None:
    """``work_for_training`` or ``labor_export_subsidy`` from free text, or ``None``."""
    for kind, pattern in SUBSIDY_KINDS:
        if re.search(pattern, text or ""):
            return kind
    return None


class ValidateEstimateForm(Named, AssistantFormValidation):
    """Which subsidy, how many people and (for monthly subsidies) how many months."""

    action_name = "validate_estimate_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        """Months are asked only for a subsidy paid per month."""
        kind = tracker.get_slot("subsidy_kind")
        clause = services.knowledge_base().clause_for_topic(kind, services.today()) if kind else None
        if clause and clause.benefit and clause.benefit.basis != "per_person_month":
            return [s for s in domain_slots if s != "subsidy_months"]
        return list(domain_slots)

    async def extract_subsidy_kind(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """Read the kind from any message of the form (including the one that started it)."""
        if tracker.get_slot("subsidy_kind"):
            return {}
        kind = subsidy_kind_of(latest_text(tracker))
        if kind:
            return {"subsidy_kind": kind}
        if tracker.get_slot("requested_slot") == "subsidy_kind":
            dispatcher.utter_message(text="没有听懂。" + _KIND_QUESTION)
        return {}

    async def extract_people_count(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """A number of people in the message; when asked for it, any number."""
        if tracker.get_slot("people_count"):
            return {}
        text = latest_text(tracker)
        count = extract_facts(text).total or people_count(text)
        if count:
            return {"people_count": count}
        if tracker.get_slot("requested_slot") == "people_count":
            return {"people_count": latest_text(tracker)}
        return {}

    async def extract_subsidy_months(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """Months stated in the message that started the form ("干了6个月"); asked for otherwise."""
        if tracker.get_slot("subsidy_months") or tracker.get_slot("requested_slot") == "subsidy_months":
            return {}
        months = extract_facts(latest_text(tracker)).months_worked
        return {"subsidy_months": months} if months else {}

    async def validate_people_count(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """1–10000 people."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"people_count": value}

        def parse(text: str) -> int:
            return validation.parse_quantity(text, what="人数", example="3 人", minimum=1, maximum=10_000)

        return await self.validated("people_count", value, dispatcher, tracker, parse)

    async def validate_subsidy_months(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """Months employed with training (capped later by the clause's maximum)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return {"subsidy_months": value}

        def parse(text: str) -> int:
            return validation.parse_quantity(text, what="月数", example="6 个月", minimum=1, maximum=120)

        return await self.validated("subsidy_months", value, dispatcher, tracker, parse)


def estimate_text(kb: KnowledgeBase, clause: Clause, texts: list[str], people: int, months: int | None, today) -> str:
    """The estimate for what the asker said in ``texts`` (the form's messages), split by group.

    The form's answers (``people``, ``months``) win over what the text seemed to say; the exclusions the
    asker stated ("其中2个以前享受过以工代训") are read from the text and subtracted, each named with its reason.
    """
    facts = extract_facts("，".join(texts))
    facts = dataclasses.replace(facts, total=people, months_worked=months or facts.months_worked)
    result = estimate_groups(clause, facts)
    if result is None:  # a clause without a benefit to sum
        return answer_clause(kb, clause, today).text
    return answer_estimate(kb, clause, today, result).text


def form_texts(tracker: Tracker, form: str) -> list[str]:
    """What the user said since ``form`` started (including the message that started it)."""
    texts: list[str] = []
    for event in tracker.events:
        if event.get("event") == "active_loop" and event.get("name") == form:
            texts = [texts[-1]] if texts else []  # the message that started the form
        elif event.get("event") == "user" and event.get("text"):
            texts.append(event["text"])
    return texts


class ActionAskEstimateMonths(Named, Action):
    """The estimate form's question for the months: first the most the subsidy comes to, then how many months."""

    action_name = "action_ask_estimate_form_subsidy_months"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """The estimate at the longest period with its months question; asked again (an answer that was no
        number of months), the question alone."""
        kind, people = tracker.get_slot("subsidy_kind"), tracker.get_slot("people_count")
        kb, today = services.knowledge_base(), services.today()
        clause = kb.clause_for_topic(kind, today) if kind else None
        first_ask = tracker.get_slot("requested_slot") != "subsidy_months"
        if first_ask and clause and clause.benefit and isinstance(people, (int, float)) and people > 0:
            texts = form_texts(tracker, "estimate_form")
            dispatcher.utter_message(text=estimate_text(kb, clause, texts, int(people), None, today))
        else:
            dispatcher.utter_message(response="utter_ask_subsidy_months")
        return []


class ActionShowEstimate(Named, Action):
    """Computes the amount from the knowledge base for what the asker said, and whether the clause applies today."""

    action_name = "action_show_estimate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the sum split by group, the excluded people, the time note and the citation."""
        kind, people = tracker.get_slot("subsidy_kind"), tracker.get_slot("people_count")
        kb, today = services.knowledge_base(), services.today()
        clause = kb.clause_for_topic(kind, today) if kind else None
        if not clause or not clause.benefit or not people:
            return clear_form_slots()
        months = tracker.get_slot("subsidy_months")
        texts = form_texts(tracker, "estimate_form")
        text = estimate_text(kb, clause, texts, int(people), int(months) if months else None, today)
        dispatcher.utter_message(text=text)
        return clear_form_slots()


class ValidateEmployerForm(Named, AssistantFormValidation):
    """Unified social credit code plus the registered contact phone."""

    action_name = "validate_employer_form"

    async def validate_credit_code(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """GB 32100 code with a valid check character."""
        return await self.validated("credit_code", value, dispatcher, tracker, validation.validate_credit_code)

    async def validate_org_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """The contact phone on record, or its last four digits."""
        return await self.validated("org_phone", value, dispatcher, tracker, validation.validate_phone_or_last4)


class ActionShowEmployer(Named, CaseSystemAction):
    """Shows an employer's or HR agency's own record once code and phone match."""

    action_name = "action_show_employer"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Look the organisation up and summarise its people and applications."""
        code, phone = tracker.get_slot("credit_code"), tracker.get_slot("org_phone")
        if not code or not phone:
            return clear_form_slots()
        store = services.case_store()
        access = services.access_for(tracker, "单位查询备案信息")
        text = await asyncio.to_thread(
            _describe_organisation, store, code, phone, access, services.knowledge_base(), services.today()
        )
        dispatcher.utter_message(text=text)
        return self.events_after_failure(tracker)

    def events_after_failure(self, tracker: Tracker, error: CaseStoreError | None = None) -> list[EventType]:
        """The form's answers and the organisation's phone are forgotten either way."""
        return [*clear_form_slots(), SlotSet("org_phone", None)]


def _category_counts(categories: list[str]) -> str:
    counts: dict[str, int] = {}
    for category in categories:
        counts[category] = counts.get(category, 0) + 1
    return "，".join(f"{PERSON_CATEGORY_LABELS.get(c, c)}{n}人" for c, n in counts.items()) or "无"


def _describe_organisation(store, code: str, phone: str, access, kb, today) -> str:
    """The verified organisation's people, its applications and what it qualifies for under each clause."""
    found = store.verify_organisation(code, phone, access=access)  # one limited, audited identity attempt
    if found is None:
        return "统一社会信用代码和联系电话核对不上，无法查询。请核对后重试，或拨打热线咨询。"
    if isinstance(found, EmployerRecord):
        people = store.list_employments(code, access=access)
        head = f"{found.name}（{found.kind_label}，{found.county or ''}）"
        body = f"在册吸纳人员：{len(people)}人（{_category_counts([p.category for p in people])}）"
        findings = evaluate_employer(kb, found, people, today)
    else:
        placements = store.list_placements(code, access=access)
        outside = sum(1 for p in placements if p.outside_home_county)
        head = f"{found.name}（人力资源服务机构，{found.county or ''}）"
        body = f"有组织输出人员：{len(placements)}人，其中到户籍所在县以外就业{outside}人"
        findings = evaluate_hr_agency(kb, found, placements, today)
    items = store.get_organisation_status(code)
    lines = [head, body, "补贴申请进度："]
    lines += numbered_status_lines(items) or ["暂无补贴申请记录。"]
    lines += ["按登记信息逐条核对：", format_findings(findings, kb.hotline)]
    return "\n".join(lines)

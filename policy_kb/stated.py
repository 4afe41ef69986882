"""A clause's conditions applied to the facts people state in a question.

Two uses, both driven by the clause data (``conditions``, ``exclusions``, ``benefit``, ``figures``):

- :func:`estimate_groups`: an employer or HR agency states how many people and which of them do not count
  ("一共20人，其中5个在户籍县内就业，3个合同只有4个月"); the estimate is split by group, the arithmetic shown and the
  excluded people named with the condition they miss. What is not said stays a stated precondition and a
  question, never an assumption in the asker's favour.
- :func:`apply_to_person`: "can I / does this apply to me"; each condition is checked against what the person
  said, and the answer says which condition decides.

The facts themselves are read off the text elsewhere (``bot.facts``); this module only knows the policy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from policy_kb.model import Clause, Condition
from policy_kb.vocabulary import PERSON_CATEGORY_LABELS as PERSON_CATEGORIES
from policy_kb.vocabulary import PERSON_FLAG_LABELS as PERSON_FLAGS

INSIDE_HOME_COUNTY = "inside_home_county"
OUTSIDE_HOME_COUNTY = "outside_home_county"
NOT_TARGET = "not_target"
HOME_PROVINCE = "山东省"


@dataclass(frozen=True)
class Group:
    """Some of the people a question is about, and what is said of them.

    ``count`` is ``None`` for "the rest" (其他的, 剩下的). ``category`` is a person-category code or
    ``NOT_TARGET``; ``location`` is ``INSIDE_HOME_COUNTY`` or ``OUTSIDE_HOME_COUNTY``; ``contract_months`` the
    contract length said of this group; ``received_work_for_training`` whether it already had 以工代训.
    """

    count: int | None
    text: str
    category: str | None = None
    location: str | None = None
    contract_months: int | None = None
    received_work_for_training: bool | None = None


@dataclass(frozen=True)
class StatedFacts:
    """What a question states; ``None`` means not said."""

    total: int | None = None
    groups: tuple[Group, ...] = ()
    # Said of everybody ("合同都签了一年", "都在外县", "干了6个月") or of the one person asking.
    category: str | None = None
    not_categories: frozenset[str] = field(default_factory=frozenset)
    location: str | None = None
    contract_months: int | None = None
    months_worked: int | None = None
    residence_months: int | None = None
    insurance_months: int | None = None
    received_work_for_training: bool | None = None
    work_for_training: bool = False
    origin_province: str | None = None
    origin_county: str | None = None
    age: int | None = None
    asks_age: bool = False
    # Every group of people the question names, whoever it is said of ("是不是得安排搬迁户来干").
    named_categories: frozenset[str] = field(default_factory=frozenset)

    @property
    def counts_people(self) -> bool:
        """Whether the question is about a number of people (an estimate) rather than one person."""
        return self.total is not None or any(g.count for g in self.groups)

    @property
    def about_a_person(self) -> bool:
        """Whether anything is stated that a condition can be checked against."""
        values = (
            self.category,
            self.origin_county,
            self.residence_months,
            self.insurance_months,
            self.months_worked,
            self.age,
            self.received_work_for_training,
            self.location,
            self.contract_months,
        )
        return any(v is not None for v in values) or bool(self.not_categories) or self.asks_age


# --- Estimates for groups of people ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupEstimate:
    """An estimate split by group: who counts, who does not and why, what is still unknown, the sum."""

    total: int
    qualifying: int
    exclusions: tuple[Exclusion, ...]
    preconditions: tuple[str, ...]
    questions: tuple[str, ...]
    amount: int | float
    sentence: str

    def lines(self) -> list[str]:
        """The estimate as short lines for a chat message."""
        out = []
        if self.exclusions:
            parts = "；".join(f"{e.count}人{e.reason}" for e in self.exclusions)
            excluded = sum(e.count for e in self.exclusions)
            out.append(f"一共{self.total}人，不计入{excluded}人：{parts}。")
        out.append(self.sentence)
        if self.preconditions:
            out.append("前提：" + "；".join(self.preconditions) + "。")
        out += list(self.questions)
        return out


@dataclass(frozen=True)
class Exclusion:
    """People who do not count, and why (the condition they miss, in the clause's words)."""

    count: int
    reason: str


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _condition_with(clause: Clause, attribute: str, value: object | None = None) -> Condition | None:
    for cond in clause.conditions:
        current = getattr(cond, attribute)
        if current and (value is None or current == value):
            return cond
    return None


def _exclusion_with(clause: Clause, flag: str) -> Condition | None:
    return next((e for e in clause.exclusions if e.person_flag == flag), None)


def _terms(categories: tuple[str, ...]) -> str:
    return "、".join(PERSON_CATEGORIES[c] for c in categories)


def estimate_groups(clause: Clause, facts: StatedFacts) -> GroupEstimate | None:
    """The subsidy of ``clause`` for the people ``facts`` describes, or ``None`` when no count is stated.

    Groups stated as excluded are taken as separate people (the stated numbers are subtracted, not merged),
    so the result never exceeds what the stated facts allow.
    """
    benefit = clause.benefit
    if benefit is None or not facts.counts_people:
        return None
    counted = [g for g in facts.groups if g.count]
    categories_cond = _condition_with(clause, "person_categories")
    targets = categories_cond.person_categories if categories_cond else ()
    category_groups = [g for g in counted if g.category in targets and g.location is None and g.contract_months is None]
    total = facts.total if facts.total is not None else sum(g.count or 0 for g in counted)
    outside_cond = _condition_with(clause, "job_flag", OUTSIDE_HOME_COUNTY)
    contract_cond = _condition_with(clause, "min_contract_months")
    wft_cond = _condition_with(clause, "job_flag", "with_work_for_training")
    received_excl = _exclusion_with(clause, "received_work_for_training")
    min_contract = int(contract_cond.contract_minimum.value) if contract_cond else 0

    exclusions: list[Exclusion] = []
    explained = 0
    rest_groups = [g for g in facts.groups if g.count is None]
    for group in counted:
        if group in category_groups:
            explained += group.count or 0
            continue
        reason = _group_exclusion(clause, group, targets, outside_cond, contract_cond, received_excl)
        if reason:
            exclusions.append(Exclusion(group.count or 0, reason))
        explained += group.count or 0
    remainder = max(0, total - explained)
    rest_known: dict[str, Any] = {}
    for group in rest_groups:
        reason = _group_exclusion(clause, group, targets, outside_cond, contract_cond, received_excl)
        if reason and remainder:
            exclusions.append(Exclusion(remainder, reason))
            remainder = 0
        if group.contract_months is not None:
            rest_known["contract_months"] = group.contract_months
        if group.location is not None:
            rest_known["location"] = group.location
    said_contract = facts.contract_months
    if contract_cond and said_contract is not None and said_contract < min_contract and remainder:
        minimum = contract_cond.contract_minimum
        exclusions.append(Exclusion(remainder, f"合同期{said_contract}个月（须{minimum.render()}以上）"))
        remainder = 0
    said_location = facts.location
    if outside_cond and said_location == INSIDE_HOME_COUNTY and remainder:
        exclusions.append(Exclusion(remainder, "在户籍所在县内就业"))
        remainder = 0
    excluded = sum(e.count for e in exclusions)
    if excluded > total:
        total = excluded
    qualifying = max(0, total - excluded)

    preconditions: list[str] = []
    questions: list[str] = []
    if qualifying:
        category_known = facts.category in targets or (
            category_groups and sum(g.count or 0 for g in category_groups) >= qualifying
        )
        if categories_cond and not category_known:
            preconditions.append(f"这{qualifying}人须属于{_terms(targets)}")
        location = rest_known.get("location") or facts.location
        someone_inside = any(e.reason == "在户籍所在县内就业" for e in exclusions)
        if outside_cond and (location != OUTSIDE_HOME_COUNTY or someone_inside):
            preconditions.append(f"须{clause.render(outside_cond.text)}")
        contract = rest_known.get("contract_months") or facts.contract_months
        if contract_cond and (contract is None or int(contract) < min_contract):
            preconditions.append(f"合同期须在{contract_cond.contract_minimum.render()}以上")
            if contract is None:
                questions.append("他们的合同期是多长？")
        if wft_cond and not facts.work_for_training:
            preconditions.append(f"须{clause.render(wft_cond.text)}")
    amount_text = benefit.amount.render()
    amount = _num(benefit.amount.value)
    if benefit.basis == "per_person_month":
        max_months = int(benefit.months_cap.value)
        months = facts.months_worked
        used = max_months if months is None else min(months, max_months)
        total_amount = _num(amount * qualifying * used)
        lead = "最多" if months is None else ""
        sentence = f"符合条件的{qualifying}人 × {amount_text} × {used}个月 = {lead}{total_amount}{benefit.amount.unit}"
        if months is not None and months > max_months:
            sentence += f"（干了{months}个月，最长只补{benefit.months_cap.render()}）"
        if months is None and qualifying:
            questions.append(f"他们以工代训干了几个月？按实际月数计算，最长{benefit.months_cap.render()}。")
        sentence += "。"
    else:
        total_amount = _num(amount * qualifying)
        cap = "不超过" if benefit.is_cap else ""
        lead = "最多" if benefit.is_cap else ""
        sentence = f"符合条件的{qualifying}人 × {cap}{amount_text} = {lead}{total_amount}{benefit.amount.unit}"
        sentence += "，具体标准由县区确定。" if benefit.is_cap else "。"
    if not qualifying:
        sentence = f"按您说的情况，没有人符合条件，不能申请{benefit.name}。"
    return GroupEstimate(
        total=total,
        qualifying=qualifying,
        exclusions=tuple(exclusions),
        preconditions=tuple(preconditions),
        questions=tuple(questions),
        amount=total_amount if qualifying else 0,
        sentence=sentence,
    )


def _group_exclusion(
    clause: Clause,
    group: Group,
    targets: tuple[str, ...],
    outside_cond: Condition | None,
    contract_cond: Condition | None,
    received_excl: Condition | None,
) -> str | None:
    """Why ``group`` does not count under ``clause`` (the condition it misses), or ``None``."""
    if received_excl and group.received_work_for_training:
        return f"{PERSON_FLAGS.get(received_excl.person_flag or '', '')}（按规定除外）"
    if outside_cond and group.location == INSIDE_HOME_COUNTY:
        return "在户籍所在县内就业"
    if contract_cond and group.contract_months is not None:
        minimum = contract_cond.contract_minimum
        if group.contract_months < minimum.value:
            return f"合同期{group.contract_months}个月（须{minimum.render()}以上）"
    if targets and group.category is not None and group.category not in targets:
        what = "不属于" if group.category == NOT_TARGET else f"是{PERSON_CATEGORIES[group.category]}，不属于"
        return f"{what}{_terms(targets)}"
    return None


# --- Does this apply to me ---------------------------------------------------------------------------------


class Outcome(enum.Enum):
    """How the stated facts meet a clause."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Application:
    """The clause applied to a person's stated facts: the outcome, the deciding sentence, what remains."""

    outcome: Outcome
    deciding: str
    met: tuple[str, ...]
    to_check: tuple[str, ...]
    age_note: str | None

    def lines(self) -> list[str]:
        """Direct answer first, then what was met and what remains to check."""
        head = {
            Outcome.MET: "按您说的情况，符合这项政策的条件",
            Outcome.NOT_MET: "按您说的情况，还不符合",
            Outcome.UNKNOWN: "按您说的情况，还不能确定",
        }[self.outcome]
        if self.age_note and not self.met and self.outcome is not Outcome.NOT_MET:
            # Only the age was asked about: answer that first, then the conditions that do apply.
            out = [self.age_note]
            if self.to_check:
                out.append("这项政策的条件是：" + "；".join(self.to_check) + "。")
            return out
        out = [f"{head}：{self.deciding}" if self.deciding else f"{head}。"]
        if self.outcome is not Outcome.NOT_MET and self.to_check:
            out.append("还需要：" + "；".join(self.to_check) + "。")
        if self.age_note:
            out.append(self.age_note)
        return out


AGE_NOTE = "年龄：本文件没有规定年龄限制。（一般情况，不是本文件的规定：具体项目的招用要求以县区人社部门的安排为准。）"


def _person_category(facts: StatedFacts) -> str | None:
    category = facts.category
    if category == "poverty_alleviated" and facts.origin_province and facts.origin_province != HOME_PROVINCE:
        return "central_western_migrant"
    return category


def _negated(facts: StatedFacts) -> set[str]:
    negated = set(facts.not_categories)
    if "poverty_alleviated" in negated:
        negated.add("central_western_migrant")  # a migrant who is not 脱贫 is not a 中西部脱贫人口
    return negated


def _is_exempt(clause: Clause, facts: StatedFacts) -> str | None:
    if not facts.origin_county:
        return None
    for exempt in clause.exempt_counties:
        if exempt.endswith(facts.origin_county):
            return exempt
    return None


def apply_to_person(clause: Clause, facts: StatedFacts) -> Application | None:
    """Check ``clause``'s conditions against one person's stated facts; ``None`` when nothing stated bears on it."""
    met: list[str] = []
    failed: list[str] = []
    to_check: list[str] = []
    relevant = facts.asks_age or facts.age is not None
    category = _person_category(facts)
    for cond in clause.conditions:
        text = clause.render(cond.text)
        if cond.person_categories:
            wanted = _terms(cond.person_categories)
            if category in cond.person_categories:
                met.append(f"属于{PERSON_CATEGORIES[category]}")
                relevant = True
            elif category is not None and category in PERSON_CATEGORIES:
                also = ""
                if category == "relocated" and "poverty_alleviated" in cond.person_categories:
                    also = "；如果您同时也是脱贫享受政策人口，可以按脱贫享受政策人口享受"
                failed.append(f"本条面向{wanted}，您说您是{PERSON_CATEGORIES[category]}{also}")
                relevant = True
            elif set(cond.person_categories) <= _negated(facts):
                failed.append(f"本条只适用于{wanted}，您说您不是")
                relevant = True
            else:
                to_check.append(f"属于{wanted}")
        if cond.waived_for_exempt_counties:
            exempt = _is_exempt(clause, facts)
            if exempt:
                if failed:
                    failed.append(f"来自{exempt}的“不受限制”照顾也只针对脱贫人口")
                else:
                    met.append(f"来自{exempt}，不受“{text}”条件限制")
                relevant = True
                continue
            residence = facts.residence_months if facts.residence_months is not None else facts.months_worked
            checks = []
            if "residence_months" in clause.figures:
                need = clause.figures["residence_months"]
                if residence is not None:
                    relevant = True
                    said = f"您说在临沂{residence}个月"
                    if residence < need.value:
                        failed.append(f"须在本地连续居住{need.render()}以上，{said}，还不满{need.render()}")
                    else:
                        met.append(f"在本地居住已满{need.render()}")
                else:
                    checks.append(f"在本地连续居住{need.render()}以上")
            if "insurance_months" in clause.figures:
                need = clause.figures["insurance_months"]
                if facts.insurance_months is not None:
                    relevant = True
                    said = f"您说社保交了{facts.insurance_months}个月"
                    if facts.insurance_months < need.value:
                        failed.append(f"须在当地用人单位参加社会保险{need.render()}以上，{said}，还不满{need.render()}")
                    else:
                        met.append(f"在当地参加社会保险已满{need.render()}")
                else:
                    checks.append(f"在当地用人单位参加社会保险{need.render()}以上")
            if checks:
                exempt_note = f"（{'、'.join(clause.exempt_counties)}的脱贫人口不受此限）"
                to_check.append("、".join(checks) + exempt_note)
            continue
        if cond.job_flag == OUTSIDE_HOME_COUNTY:
            if facts.location == INSIDE_HOME_COUNTY:
                failed.append(f"须{text}，在户籍所在县内就业的不能申请")
                relevant = True
            elif facts.location == OUTSIDE_HOME_COUNTY:
                met.append("到户籍所在县以外就业")
                relevant = True
            else:
                to_check.append(text)
        elif cond.min_contract_months:
            need = cond.min_contract_months
            if facts.contract_months is not None:
                relevant = True
                if facts.contract_months < need.value:
                    failed.append(f"合同期须{need.render()}以上，合同{facts.contract_months}个月不够")
                else:
                    met.append(f"合同期{facts.contract_months}个月，满{need.render()}")
            else:
                to_check.append(text)
        elif cond.requires_verification:
            to_check.append(clause.render(cond.requires_verification))
        elif not cond.person_categories:
            to_check.append(text)
    for excl in clause.exclusions:
        if excl.person_flag == "received_work_for_training" and facts.received_work_for_training:
            failed.append(clause.render(excl.text))
            relevant = True
    if not relevant:
        return None
    age_note = AGE_NOTE if (facts.asks_age or facts.age is not None) and not _mentions_age(clause) else None
    if failed:
        return Application(Outcome.NOT_MET, "；".join(failed) + "。", tuple(met), tuple(to_check), age_note)
    if to_check:
        deciding = "；".join(met) + "。" if met else ""
        return Application(Outcome.UNKNOWN, deciding, tuple(met), tuple(to_check), age_note)
    return Application(Outcome.MET, "；".join(met) + "。" if met else "", tuple(met), (), age_note)


def _mentions_age(clause: Clause) -> bool:
    return "岁" in clause.text or "年龄" in clause.text

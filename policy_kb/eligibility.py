"""Eligibility: evaluate a clause's conditions against what the records say about a person or an employer.

Every rule is driven by the clause's ``conditions`` / ``exclusions`` data (see :class:`~policy_kb.model.Condition`)
and by the dates in the knowledge base; nothing here names a clause number. The functions take the facts they
need through small protocols, so the case system's records (``bot.cases.records``) can be passed as they are
without this package importing them.

Each clause yields one :class:`Finding`: 符合, 不符合 or 需进一步核实, with the reasons, the amount where the
clause fixes one, and the citation.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from policy_kb.dates import expiry_reason, format_date
from policy_kb.estimate import estimate
from policy_kb.model import (
    Benefit,
    Clause,
    Condition,
    Document,
    Hotline,
    KnowledgeBase,
)
from policy_kb.record_facts import (
    EmployerFacts,
    EmploymentFacts,
    HrAgencyFacts,
    PersonFacts,
    PlacementFacts,
)
from policy_kb.vocabulary import (
    EMPLOYER_KIND_LABELS,
    EMPLOYMENT_STATUS_LABELS,
    JOB_FLAG_LABELS,
    OTHER_CATEGORY,
    PERSON_CATEGORY_LABELS,
    PERSON_FLAG_LABELS,
)

__all__ = [
    "EmployerFacts",
    "EmploymentFacts",
    "Finding",
    "HrAgencyFacts",
    "PersonFacts",
    "PlacementFacts",
    "Verdict",
    "category_label",
    "evaluate_employer",
    "evaluate_hr_agency",
    "evaluate_person",
    "exempt_origin",
    "format_findings",
]


class Verdict(enum.Enum):
    """The outcome for one clause, with its Chinese label as the value."""

    ELIGIBLE = "符合"
    NOT_ELIGIBLE = "不符合"
    NEEDS_VERIFICATION = "需进一步核实"

    @property
    def label(self) -> str:
        """``符合`` / ``不符合`` / ``需进一步核实``."""
        return self.value

    @property
    def mark(self) -> str:
        """The sign shown before the label in a list (``✔ ``, ``✘ ``, full-width ``？`` needs no space)."""
        return {"符合": "✔ ", "不符合": "✘ ", "需进一步核实": "？"}[self.value]


@dataclass(frozen=True)
class Finding:
    """The evaluation of one clause for one party."""

    clause: Clause
    verdict: Verdict
    reasons: tuple[str, ...]
    amount_text: str | None
    citation: str


# --- Checks -----------------------------------------------------------------------------------------------------


class _Kind(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    VERIFY = "verify"
    NOTE = "note"  # said to the reader, but does not change the verdict


@dataclass(frozen=True)
class _Check:
    kind: _Kind
    reason: str


def _verdict(checks: Sequence[_Check]) -> Verdict:
    kinds = {c.kind for c in checks}
    if _Kind.FAIL in kinds:
        return Verdict.NOT_ELIGIBLE
    if _Kind.VERIFY in kinds:
        return Verdict.NEEDS_VERIFICATION
    return Verdict.ELIGIBLE


def _reasons(checks: Sequence[_Check], verdict: Verdict) -> tuple[str, ...]:
    if verdict is Verdict.NOT_ELIGIBLE:
        return tuple(c.reason for c in checks if c.kind is _Kind.FAIL)
    return tuple(c.reason for c in checks)


def category_label(category: str) -> str:
    """Official Chinese term of a person category; ``其他人员`` for a category no clause names."""
    return PERSON_CATEGORY_LABELS.get(category, PERSON_CATEGORY_LABELS[OTHER_CATEGORY])


def _terms(categories: Iterable[str]) -> str:
    return "、".join(PERSON_CATEGORY_LABELS[c] for c in categories)


def _mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else "（未登记姓名）"


_PLACE_RE = re.compile(r"^(.+?(?:省|自治区|市))(.+)$")
_PLACE_SUFFIX_RE = re.compile(r"(?:省|市|自治区|自治县|县|区)$")


def _place_core(name: str) -> str:
    return _PLACE_SUFFIX_RE.sub("", name.strip())


def exempt_origin(clause: Clause, origin_province: str | None, origin_county: str | None) -> str | None:
    """The entry of ``clause.exempt_counties`` the person comes from, if any.

    ``城口县``, ``城口`` and ``重庆市``/``重庆`` all match ``重庆市城口县``; without an origin county nothing matches.
    """
    if not origin_county or not origin_county.strip():
        return None
    for exempt in clause.exempt_counties:
        match = _PLACE_RE.match(exempt)
        province, county = (match.group(1), match.group(2)) if match else ("", exempt)
        if _place_core(county) != _place_core(origin_county):
            continue
        if origin_province and province and _place_core(province) != _place_core(origin_province):
            continue
        return exempt
    return None


def _exemption_note(clause: Clause) -> str:
    return f"（{'、'.join(clause.exempt_counties)}的人员不受此限）"


def _verification(clause: Clause, cond: Condition) -> _Check:
    what = clause.render(cond.requires_verification or cond.text)
    note = _exemption_note(clause) if cond.waived_for_exempt_counties else ""
    return _Check(_Kind.VERIFY, f"需要核实：{what}{note}")


def _person_checks(clause: Clause, person: PersonFacts) -> list[_Check]:
    checks: list[_Check] = []
    for cond in clause.conditions:
        text = clause.render(cond.text)
        if cond.waived_for_exempt_counties:
            exempt = exempt_origin(clause, person.origin_province, person.origin_county)
            if exempt:
                checks.append(_Check(_Kind.PASS, f"来自{exempt}，不受“{text}”条件限制"))
                continue
        if cond.person_categories:
            if person.category in cond.person_categories:
                checks.append(_Check(_Kind.PASS, f"属于{PERSON_CATEGORY_LABELS[person.category]}"))
            else:
                checks.append(
                    _Check(
                        _Kind.FAIL,
                        f"本条适用于{_terms(cond.person_categories)}，"
                        f"登记的人员类别是{category_label(person.category)}",
                    )
                )
        if cond.employment_statuses:
            status = EMPLOYMENT_STATUS_LABELS.get(person.employment_status, person.employment_status)
            if person.employment_status in cond.employment_statuses:
                checks.append(_Check(_Kind.PASS, f"登记的就业状态是{status}"))
            else:
                wanted = "或".join(EMPLOYMENT_STATUS_LABELS[s] for s in cond.employment_statuses)
                checks.append(_Check(_Kind.FAIL, f"本条适用于{wanted}人员，登记的就业状态是{status}"))
        if cond.person_flag:
            value = getattr(person, cond.person_flag, None)
            if value is True:
                checks.append(_Check(_Kind.PASS, PERSON_FLAG_LABELS[cond.person_flag]))
            elif value is False:
                checks.append(_Check(_Kind.FAIL, f"不满足“{text}”"))
            else:
                checks.append(_Check(_Kind.VERIFY, f"需要核实：{text}"))
        # Facts of a job cannot be read off a person's record; staff check them.
        if cond.requires_verification or cond.job_flag or cond.min_contract_months:
            checks.append(_verification(clause, cond))
    for excl in clause.exclusions:
        if excl.person_categories and person.category in excl.person_categories:
            checks.append(_Check(_Kind.FAIL, f"{clause.render(excl.text)}"))
        if excl.person_flag:
            value = getattr(person, excl.person_flag, None)
            if value is True:
                label = PERSON_FLAG_LABELS[excl.person_flag]
                checks.append(_Check(_Kind.FAIL, f"{label}，不能再享受（{clause.render(excl.text)}）"))
            elif value is None:
                checks.append(_Check(_Kind.VERIFY, f"需要核实：是否{PERSON_FLAG_LABELS[excl.person_flag]}"))
        if excl.requires_verification or excl.job_flag:
            checks.append(_verification(clause, excl))
    return checks


def _flag_label(name: str) -> str:
    return PERSON_FLAG_LABELS.get(name) or JOB_FLAG_LABELS[name]


def _job_checks(clause: Clause, job: EmploymentFacts | PlacementFacts, on: dt.date) -> list[_Check]:
    """Checks of one employment or placement; reasons start with the person's masked name."""
    who = _mask_name(job.person_name)
    checks: list[_Check] = []
    if job.start_date > on:
        checks.append(_Check(_Kind.FAIL, f"{who}：{format_date(job.start_date)}才上岗"))
    for cond in clause.conditions:
        text = clause.render(cond.text)
        if cond.person_categories and job.category not in cond.person_categories:
            label = category_label(job.category)
            checks.append(_Check(_Kind.FAIL, f"{who}：{label}，不属于{_terms(cond.person_categories)}"))
        checks += _flag_checks(job, (cond.person_flag, cond.job_flag), False, f"{who}：不满足“{text}”")
        if cond.min_contract_months:
            minimum = cond.min_contract_months
            months = job.contract_months
            if months is None:
                checks.append(_Check(_Kind.VERIFY, f"{who}：合同期未登记，需要核实是否{minimum.render()}以上"))
            elif months < minimum.value:
                checks.append(_Check(_Kind.FAIL, f"{who}：合同期{months}个月，不满{minimum.render()}"))
    for excl in clause.exclusions:
        if excl.person_categories and job.category in excl.person_categories:
            checks.append(_Check(_Kind.FAIL, f"{who}：{clause.render(excl.text)}"))
        checks += _flag_checks(
            job, (excl.person_flag, excl.job_flag), True, lambda flag: f"{who}：{_flag_label(flag)}，按规定除外"
        )
    return checks


def _flag_checks(
    job: EmploymentFacts | PlacementFacts,
    flags: tuple[str | None, ...],
    failing: bool,
    failure: str | Callable[[str], str],
) -> list[_Check]:
    """A failure where a flag of the job has the ``failing`` value; a verification where it is not recorded."""
    who = _mask_name(job.person_name)
    checks = []
    for flag in filter(None, flags):
        value = getattr(job, flag, None)
        if value is failing:
            checks.append(_Check(_Kind.FAIL, failure if isinstance(failure, str) else failure(flag)))
        elif value is None:
            checks.append(_Check(_Kind.VERIFY, f"{who}：需要核实是否{_flag_label(flag)}"))
    return checks


def _is_job_rule(cond: Condition) -> bool:
    return bool(cond.person_categories or cond.person_flag or cond.job_flag or cond.min_contract_months)


def _unit_checks(clause: Clause, kind: str | None) -> list[_Check]:
    """Checks of the employer or agency itself: its kind, and what staff must verify."""
    checks: list[_Check] = []
    shown = EMPLOYER_KIND_LABELS.get(kind or "", kind)
    for cond in clause.conditions:
        if cond.employer_kinds and kind is not None:
            if kind in cond.employer_kinds:
                checks.append(_Check(_Kind.PASS, f"单位类型是{shown}"))
            else:
                wanted = "、".join(EMPLOYER_KIND_LABELS[k] for k in cond.employer_kinds)
                checks.append(_Check(_Kind.FAIL, f"本条面向{wanted}，登记的单位类型是{shown}"))
        if cond.requires_verification:
            checks.append(_verification(clause, cond))
    for excl in clause.exclusions:
        if excl.employer_kinds and kind in excl.employer_kinds:
            checks.append(_Check(_Kind.FAIL, f"{clause.render(excl.text)}（登记的单位类型是{shown}）"))
        if excl.requires_verification:
            checks.append(_verification(clause, excl))
    return checks


def _per_person_amount(benefit: Benefit) -> str:
    if benefit.basis == "per_person_month" and benefit.max_months is not None:
        return f"每人每月{benefit.amount.render()}，最长{benefit.max_months.render()}"
    cap = "不超过" if benefit.is_cap else ""
    return f"每人{cap}{benefit.amount.render()}，一次性发放"


def _unit_finding(
    clause: Clause,
    doc: Document,
    on: dt.date,
    kind: str | None,
    jobs: Sequence[EmploymentFacts] | Sequence[PlacementFacts],
    nobody: str,
) -> Finding:
    expired = expiry_reason(doc, clause, on)
    if expired:
        return Finding(clause, Verdict.NOT_ELIGIBLE, (expired,), None, clause.citation)
    checks = _unit_checks(clause, kind)
    qualifying = 0
    if any(_is_job_rule(c) for c in (*clause.conditions, *clause.exclusions)):
        outcomes = [(job, _job_checks(clause, job, on)) for job in jobs]
        passed = [job for job, c in outcomes if _verdict(c) is Verdict.ELIGIBLE]
        pending = [c for _, c in outcomes if _verdict(c) is Verdict.NEEDS_VERIFICATION]
        failed = [c for _, c in outcomes if _verdict(c) is Verdict.NOT_ELIGIBLE]
        failed_reasons = [x.reason for c in failed for x in c if x.kind is _Kind.FAIL]
        pending_reasons = [x.reason for c in pending for x in c if x.kind is _Kind.VERIFY]
        qualifying = len(passed)
        if passed:
            names = "、".join(_mask_name(job.person_name) for job in passed)
            checks.append(_Check(_Kind.PASS, f"符合条件的{qualifying}人：{names}"))
            checks += [_Check(_Kind.NOTE, f"另有待核实的：{r}") for r in pending_reasons]
            checks += [_Check(_Kind.NOTE, f"不计入：{r}") for r in failed_reasons]
        elif pending:
            checks += [_Check(_Kind.VERIFY, r) for r in pending_reasons]
            checks += [_Check(_Kind.NOTE, f"不计入：{r}") for r in failed_reasons]
        elif failed_reasons:
            checks += [_Check(_Kind.FAIL, r) for r in failed_reasons]
        else:
            checks.append(_Check(_Kind.FAIL, nobody))
    verdict = _verdict(checks)
    amount = None
    if clause.benefit is not None and verdict is not Verdict.NOT_ELIGIBLE:
        amount = _per_person_amount(clause.benefit)
        if qualifying:
            amount += "；" + estimate(clause.benefit, qualifying).sentence.rstrip("。")
    return Finding(clause, verdict, _reasons(checks, verdict), amount, clause.citation)


def _clauses_for(kb: KnowledgeBase, audience: str, on: dt.date) -> tuple[Document, list[Clause]]:
    doc = kb.document(on)
    return doc, [c for c in doc.clauses if audience in c.audiences and c.conditions]


# --- Public API -------------------------------------------------------------------------------------------------


def evaluate_person(kb: KnowledgeBase, person: PersonFacts, on: dt.date) -> list[Finding]:
    """Evaluate every clause for workers that has conditions, in clause order.

    Args:
        kb: the knowledge base; the document is the one to answer from on ``on``.
        person: the verified person's facts (a ``PersonRecord`` will do).
        on: the day the question is asked (expiry is judged on it).

    Returns:
        One :class:`Finding` per clause whose audiences include ``worker``.
    """
    doc, clauses = _clauses_for(kb, "worker", on)
    findings = []
    for clause in clauses:
        expired = expiry_reason(doc, clause, on)
        if expired:
            findings.append(Finding(clause, Verdict.NOT_ELIGIBLE, (expired,), None, clause.citation))
            continue
        checks = _person_checks(clause, person)
        verdict = _verdict(checks)
        amount = (
            _per_person_amount(clause.benefit)
            if clause.benefit is not None and verdict is not Verdict.NOT_ELIGIBLE
            else None
        )
        findings.append(Finding(clause, verdict, _reasons(checks, verdict), amount, clause.citation))
    return findings


def evaluate_employer(
    kb: KnowledgeBase, employer: EmployerFacts, employments: Sequence[EmploymentFacts], on: dt.date
) -> list[Finding]:
    """Evaluate every clause for employers that has conditions, against the employer and its employments.

    An employment counts when its person meets the clause's person conditions and no exclusion, and it had
    started by ``on``. Where the clause fixes an amount, the standard sum for the counted people is given.

    Args:
        kb: the knowledge base.
        employer: the verified employer (an ``EmployerRecord`` will do).
        employments: the people it employs (``EmploymentRecord`` objects will do).
        on: the day the question is asked.
    """
    doc, clauses = _clauses_for(kb, "employer", on)
    nobody = "系统中没有该单位吸纳人员的用工登记"
    return [_unit_finding(c, doc, on, employer.kind, employments, nobody) for c in clauses]


def evaluate_hr_agency(
    kb: KnowledgeBase, agency: HrAgencyFacts, placements: Sequence[PlacementFacts], on: dt.date
) -> list[Finding]:
    """Evaluate every clause for HR agencies that has conditions, against the agency's placements.

    A placement counts when its person meets the clause's conditions (category, outside the home county,
    contract long enough); the others are listed as reasons they do not count.

    Args:
        kb: the knowledge base.
        agency: the verified agency (an ``HrAgencyRecord`` will do); no clause checks the agency itself yet.
        placements: the people it placed (``PlacementRecord`` objects will do).
        on: the day the question is asked.
    """
    del agency  # Kept in the signature so agency-level conditions can be added as data.
    doc, clauses = _clauses_for(kb, "hr_agency", on)
    nobody = "系统中没有该机构的劳务输出登记"
    return [_unit_finding(c, doc, on, None, placements, nobody) for c in clauses]


def format_findings(findings: Sequence[Finding], hotline: Hotline) -> str:
    """A short Chinese list to send in a chat: one line per clause, then where to ask.

    Example line: ``✔ 符合｜第（一）条 促进就地就近就业：符合条件的2人：张*、李*；每人每月500元……``
    followed by ``（临人社字〔2021〕88号）``.

    Args:
        findings: what :func:`evaluate_person`, :func:`evaluate_employer` or :func:`evaluate_hr_agency` returned.
        hotline: the knowledge base's hotline (``kb.hotline``).
    """
    lines = []
    for f in findings:
        detail = "；".join((*f.reasons, *((f.amount_text,) if f.amount_text else ())))
        lines.append(
            f"{f.verdict.mark}{f.verdict.label}｜{f.clause.label} {f.clause.title}："
            f"{detail}（{f.clause.document_number}）"
        )
    if not lines:
        lines.append("根据登记信息，没有需要判断条件的政策条款。")
    lines.append(f"以上按登记信息初步判断，以县区人社部门审核为准；有疑问请咨询{hotline.render()}。")
    return "\n".join(lines)

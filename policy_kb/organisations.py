"""What the policy offers employers and HR service agencies, composed from the clauses' data.

An employer (企业, 农民专业合作社, 就业帮扶车间 …) or an HR service agency asks in general what it can get: every
clause of the document in force on the day whose ``audiences`` name it is listed with its amount (where the
clause fixes one), its key condition, whether it still applies that day, and its citation. Nothing here names a
clause number: adding a clause for employers to the data adds it to the overview.
"""

from __future__ import annotations

import datetime as dt
import re

from policy_kb.dates import ClauseStatus, clause_status, document_expired, format_date
from policy_kb.model import Benefit, Clause, Document, KnowledgeBase
from policy_kb.vocabulary import AUDIENCE_LABELS

ORGANISATION_AUDIENCES = ("employer", "hr_agency")
# Words by which an asker says they are an HR service agency rather than an employer.
_AGENCY_WORDS = re.compile(r"人力资源|人力公司|中介|劳务公司|劳务派遣|劳务经纪|经纪人|职介|输出|机构")


def audience_of(text: str) -> str:
    """``hr_agency`` when the asker speaks as an HR service agency, else ``employer``."""
    return "hr_agency" if _AGENCY_WORDS.search(text or "") else "employer"


def benefit_amount(benefit: Benefit) -> str:
    """``每人每月500元，最长6个月`` or ``每人不超过600元，一次性``, from the benefit's figures."""
    if benefit.basis == "per_person_month":
        months = f"，最长{benefit.max_months.render()}" if benefit.max_months else ""
        return f"每人每月{benefit.amount.render()}{months}"
    cap = "不超过" if benefit.is_cap else ""
    return f"每人{cap}{benefit.amount.render()}，一次性"


def clauses_for(kb: KnowledgeBase, audience: str, on: dt.date) -> tuple[Document, list[Clause]]:
    """The document to answer from on ``on`` and its clauses addressed to ``audience``, in clause order."""
    doc = kb.document(on)
    return doc, [c for c in doc.clauses if audience in c.audiences]


def _validity(doc: Document, clause: Clause, on: dt.date) -> str:
    """Said after a line only when it differs from the document's own state (said once at the top)."""
    status = clause_status(doc, clause, on)
    if status is ClauseStatus.CLAUSE_EXPIRED:
        return f"（只执行到{clause.valid_until_text}，已结束）"
    if status is ClauseStatus.ACTIVE and clause.valid_until:
        return f"（执行至{clause.valid_until_text}）"
    return ""


def conditions_text(clause: Clause) -> str:
    """The clause's conditions and exclusions in its own words, or its key condition when it lists none."""
    parts = [clause.render(c.text) for c in clause.conditions]
    parts += [clause.render(e.text) for e in clause.exclusions]
    return "，".join(parts) if parts else clause.key_condition.rstrip("。")


def _first_sentence(text: str) -> str:
    return re.split(r"[。；]", text.strip(), maxsplit=1)[0]


def overview_line(doc: Document, clause: Clause, on: dt.date) -> str:
    """One line of the overview: what the clause offers, how much, its conditions, validity on ``on``, number.

    A clause that fixes an amount is said with the amount and its conditions; any other with what it
    provides (the first sentence of its answer), said as having no amount of its own.
    """
    if clause.benefit:
        what = f"{clause.benefit.name}：{benefit_amount(clause.benefit)}；条件：{conditions_text(clause)}"
    else:
        what = f"{clause.title}：{_first_sentence(clause.answer)}（本文件未定补贴金额）"
    return f"· {clause.label}{what}{_validity(doc, clause, on)}"


def organisation_overview(kb: KnowledgeBase, audience: str, on: dt.date) -> str:
    """Every clause addressed to ``audience`` (``employer`` or ``hr_agency``) as a short list, as of ``on``.

    Raises:
        ValueError: ``audience`` is not one of :data:`ORGANISATION_AUDIENCES`.
    """
    if audience not in ORGANISATION_AUDIENCES:
        raise ValueError(f"audience must be one of {ORGANISATION_AUDIENCES}")
    doc, clauses = clauses_for(kb, audience, on)
    who = AUDIENCE_LABELS[audience]
    lines: list[str] = []
    if doc.effective_until is not None and document_expired(doc, on):
        lines.append(
            f"请注意：{doc.number}的政策执行期限已于{format_date(doc.effective_until)}截止，以下是原政策内容；"
            f"现行政策请咨询{kb.hotline.render()}。"
        )
    elif on < doc.effective_from:
        lines.append(f"提示：{doc.number}于{format_date(doc.issued)}印发，在此之前尚未施行。")
    if not clauses:
        lines.append(f"{doc.number}中没有专门面向{who}的条款。")
    else:
        lines.append(f"{doc.number}中面向{who}的政策有{len(clauses)}条：")
        lines += [overview_line(doc, c, on) for c in clauses]
        lines.append(f"依据：{doc.number} " + "、".join(c.label for c in clauses))
    if audience == "hr_agency":
        lines.append("想测算输出补贴请说“算补贴”；核对本机构的输出人员和申请进度请说“查单位备案信息”。")
    else:
        lines.append("想测算补贴请说“算补贴”；按本单位登记信息逐条核对并查看申请进度，请说“查单位备案信息”。")
    return "\n".join(lines)

"""The eligibility result as one WeChat-sized message: what applies first, the rest in one line.

After the document's end, a list of every clause marked "不符合：已于2025年12月31日截止" tells a 脱贫户 nothing.
The notice is said once; then what the person would have been entitled to under the document (evaluated on its
last day), and what to do now.
"""

from __future__ import annotations

import datetime as dt

from policy_kb.dates import document_expired, format_date
from policy_kb.eligibility import Finding, PersonFacts, Verdict, evaluate_person
from policy_kb.model import KnowledgeBase

MAX_CHARS = 300


def _line(finding: Finding) -> str:
    what = f"{finding.verdict.mark}{finding.clause.label}{finding.clause.title}"
    if finding.verdict is Verdict.NEEDS_VERIFICATION:
        check = next((r for r in finding.reasons if r.startswith("需要核实")), "")
        return f"{what}（{check}）" if check else what
    return f"{what}（{finding.amount_text}）" if finding.amount_text else what


def _fit(head: list[str], items: list[str], tail: list[str]) -> str:
    shown = list(items)
    while shown and len("\n".join([*head, *shown, *tail])) > MAX_CHARS:
        shown = [s.split("（", 1)[0] for s in shown] if any("（" in s for s in shown) else shown[:-1]
    return "\n".join([*head, *shown, *tail])


def summarize_person(kb: KnowledgeBase, person: PersonFacts, on: dt.date) -> str:
    """The verified person's eligibility in at most 300 characters (see the module docstring)."""
    doc = kb.document(on)
    hotline = kb.hotline.render()
    if document_expired(doc, on) and doc.effective_until is not None:
        last = doc.effective_until
        findings = evaluate_person(kb, person, last)
        applies = [f for f in findings if f.verdict is not Verdict.NOT_ELIGIBLE]
        head = [
            f"请注意：{doc.number}已于{format_date(last)}截止，现在不能再按它申请。",
            f"按您登记的信息，这份文件执行期间{'您可以享受：' if applies else '没有适用于您的条款。'}",
        ]
        tail = [f"现在怎么办：现行政策请咨询{hotline}，或到户籍所在县区人社部门询问。以上为初步判断，以审核为准。"]
        return _fit(head, [_line(f) for f in applies], tail)
    findings = evaluate_person(kb, person, on)
    applies = [f for f in findings if f.verdict is not Verdict.NOT_ELIGIBLE]
    others = [f.clause.label for f in findings if f.verdict is Verdict.NOT_ELIGIBLE]
    head = ["按您登记的信息：" if applies else "按您登记的信息，目前没有适用于您的条款。"]
    tail = []
    if others:
        tail.append(f"不适用：{'、'.join(others)}（回复条款号如“{others[0]}”可查看条件）。")
    tail.append(f"以上为初步判断，以县区人社部门审核为准；有疑问请咨询{hotline}。")
    return _fit(head, [_line(f) for f in applies], tail)

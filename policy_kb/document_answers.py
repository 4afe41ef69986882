"""Answers about the document as a whole: its text, contact unit, validity, what applies now, who does what."""

from __future__ import annotations

import datetime as dt

from policy_kb.dates import document_expired, format_date
from policy_kb.model import Clause, KnowledgeBase, Responsibility
from policy_kb.organisations import audience_of, organisation_overview
from policy_kb.reply import Answer


def original_text(kb: KnowledgeBase, clause: Clause) -> Answer:
    """The clause's verbatim text."""
    doc = kb.document_by_id(clause.document_id)
    text = f"{doc.number} {clause.label} {clause.title}\n{clause.text}"
    return Answer(text=text, clause=clause, kind="original")


def contact(kb: KnowledgeBase, on: dt.date) -> Answer:
    """Who to ask: the document's contact unit and the hotline."""
    doc = kb.document(on)
    text = (
        f"{doc.number}的联系单位是{doc.contact_unit}。具体办理请到户籍所在（或就业所在）县区人力资源社会保障部门，"
        f"电话咨询可拨打{kb.hotline.render()}。"
    )
    return Answer(text=text, kind="contact")


def validity(kb: KnowledgeBase, on: dt.date) -> Answer:
    """The document itself: number, title, issuers, date of issue, duration, contact unit, in force on ``on``."""
    doc = kb.document(on)
    issuers = "、".join(doc.issuers)
    lines = [f"{doc.number}《{doc.title}》由{issuers}于{format_date(doc.issued)}印发，{doc.validity_text}"]
    if doc.implements_number:
        lines.append(f"它是落实省里{doc.implements_number}文件的实施意见。")
    lines.append(f"联系单位：{doc.contact_unit}。")
    today = format_date(on)
    if document_expired(doc, on):
        lines.append(
            f"截至今天（{today}），本文件的执行期限已经结束，我的资料里没有接续它的新文件；"
            f"现行政策请咨询{kb.hotline.render()}。"
        )
    elif on < doc.effective_from:
        lines.append(f"截至今天（{today}），本文件尚未印发施行。")
    else:
        lines.append(f"截至今天（{today}），本文件仍在执行期内。")
    expired_early = [c for c in doc.clauses if c.valid_until and on > c.valid_until]
    for clause in expired_early:
        lines.append(f"其中{clause.label}（{clause.title}）只执行到{clause.valid_until_text}。")
    return Answer(text="\n".join(lines), kind="validity")


def current_policy(kb: KnowledgeBase, on: dt.date) -> Answer:
    """Which document applies today, honestly: after the last one ended, say that none in the data does."""
    doc = kb.document(on)
    today = format_date(on)
    upcoming = sorted((d for d in kb.documents if d.effective_from > on and d.issued <= on), key=lambda d: d.issued)
    if doc.in_force(on):
        until = f"执行期限至{format_date(doc.effective_until)}" if doc.effective_until else "未规定截止日期"
        lines = [f"截至今天（{today}），我依据的现行文件是{doc.number}《{doc.title}》，{until}。"]
        lines.append("您可以直接问其中的某项政策，例如“以工代训补多少”“公益岗合同签几年”。")
    elif doc.effective_until is not None and document_expired(doc, on):
        lines = [
            f"截至今天（{today}），我掌握的最新文件是{doc.number}，它的政策执行期限已于"
            f"{format_date(doc.effective_until)}截止。",
            "我的资料里没有接续它的新文件，所以不能告诉您现在执行的是哪份政策，也不会把已截止的条款当作现行政策。",
            f"现行政策请咨询{kb.hotline.render()}，或到户籍所在县区人力资源社会保障部门咨询；"
            "原文件的内容我仍可以介绍，供您了解。",
        ]
    else:
        lines = [f"截至今天（{today}），{doc.number}尚未施行。"]
    for later in upcoming:
        lines.append(f"另有{later.number}已经印发，自{format_date(later.effective_from)}起施行。")
    return Answer(text="\n".join(lines), kind="current_policy")


def employer_overview(kb: KnowledgeBase, question: str, on: dt.date) -> Answer:
    """Everything addressed to employers, or to HR agencies when the asker is one (see ``organisations``)."""
    return Answer(text=organisation_overview(kb, audience_of(question), on), kind="overview")


def responsibility(kb: KnowledgeBase, question: str, on: dt.date) -> Answer:
    """Which department does what, matched on the question's words, or the whole division of work."""
    doc = kb.document(on)
    return responsibility_matching(kb, question, on) or _division(doc.number, list(doc.responsibilities), False)


def responsibility_matching(kb: KnowledgeBase, question: str, on: dt.date) -> Answer | None:
    """The duties of the departments the question's words name, or ``None`` when it names none."""
    doc = kb.document(on)
    matched = [r for r in doc.responsibilities if any(k in question for k in r.keywords)]
    return _division(doc.number, matched, True) if matched else None


def _division(number: str, chosen: list[Responsibility], matched: bool) -> Answer:
    head = "按照文件分工：" if matched else f"{number}的部门分工如下："
    lines = [head] + [f"{r.department}：{r.duties}" for r in chosen]
    lines.append(f"依据：{number} 文末部门分工")
    return Answer(text="\n".join(lines), kind="responsibility")


def out_of_scope(kb: KnowledgeBase) -> Answer:
    """A clear statement of what the assistant covers, and the hotline. Never a guessed answer."""
    text = (
        f"抱歉，这个问题不在我能准确回答的范围内，我不想给您不准确的答复。我能解答的是：{kb.scope}"
        f"其他问题请拨打{kb.hotline.render()}咨询。"
    )
    return Answer(text=text, kind="out_of_scope")

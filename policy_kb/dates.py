"""Date awareness: is a clause or a document in force on a given day, and how to say so."""

from __future__ import annotations

import datetime as dt
import enum

from policy_kb.model import Clause, Document, Hotline


class ClauseStatus(enum.Enum):
    """Where ``on`` falls relative to a clause's and its document's periods."""

    NOT_YET_ISSUED = "not_yet_issued"
    ACTIVE = "active"
    CLAUSE_EXPIRED = "clause_expired"
    DOCUMENT_EXPIRED = "document_expired"


def format_date(day: dt.date) -> str:
    """``2025年12月31日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_expired(doc: Document, on: dt.date) -> bool:
    """Whether the document's period ended before ``on``."""
    return doc.effective_until is not None and on > doc.effective_until


def clause_status(doc: Document, clause: Clause, on: dt.date) -> ClauseStatus:
    """Classify ``on`` for ``clause``; a clause's own end date wins over the document's when earlier."""
    if on < doc.effective_from:
        return ClauseStatus.NOT_YET_ISSUED
    if clause.valid_until is not None and on > clause.valid_until:
        return ClauseStatus.CLAUSE_EXPIRED
    if document_expired(doc, on):
        return ClauseStatus.DOCUMENT_EXPIRED
    return ClauseStatus.ACTIVE


def expiry_reason(doc: Document, clause: Clause, on: dt.date) -> str | None:
    """Why ``clause`` does not apply on ``on`` (not yet issued, or ended), or ``None`` while it runs."""
    status = clause_status(doc, clause, on)
    end = format_date(doc.effective_until) if doc.effective_until else ""
    if status is ClauseStatus.NOT_YET_ISSUED:
        return f"本文件于{format_date(doc.issued)}印发，自印发之日起实施，在此之前尚未施行"
    if status is ClauseStatus.CLAUSE_EXPIRED:
        until = format_date(clause.valid_until) if clause.valid_until else ""
        reason = f"这项政策只执行到{clause.valid_until_text}（{until}），已经结束"
        if document_expired(doc, on):
            reason += f"；本文件的政策执行期限也已于{end}截止"
        return reason
    if status is ClauseStatus.DOCUMENT_EXPIRED:
        return f"本文件的政策执行期限已于{end}截止"
    return None


def clause_time_note(doc: Document, clause: Clause, on: dt.date, hotline: Hotline) -> str:
    """One sentence on whether ``clause`` applies on ``on`` (empty when nothing needs saying)."""
    reason = expiry_reason(doc, clause, on)
    if reason is None:
        if clause.valid_until is not None:
            return f"这项政策执行至{clause.valid_until_text}（{format_date(clause.valid_until)}）。"
        return ""
    status = clause_status(doc, clause, on)
    if status is ClauseStatus.NOT_YET_ISSUED:
        return f"提示：{reason}。"
    if document_expired(doc, on):
        original = "，这里说的是原政策内容" if status is ClauseStatus.DOCUMENT_EXPIRED else ""
        return f"请注意：{reason}{original}；现行政策请咨询{hotline.render()}。"
    end = format_date(doc.effective_until) if doc.effective_until else ""
    return f"请注意：{reason}；文件其他条款执行至{end}。" if end else f"请注意：{reason}。"

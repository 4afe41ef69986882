"""Calls and handoffs handled in the console, their event log, the post-call summary (话后小结) and its search.

A contact record is ``open`` while the agent works on it, ``ended`` once the call or handoff is over (the
summary draft is built from its events) and ``saved`` once the agent has checked and saved the summary.
Events hold no full ID or phone numbers: questions are masked, people are referred to by their row id.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.models import ContactRecord, StaffAccount, utcnow
from bot.cases.sql_base import row_to_record
from bot.privacy import mask_pii
from bot.staff.accounts import Account
from policy_kb.vocabulary import AUDIENCE_LABELS

CALLER_TYPES = {
    **{code: AUDIENCE_LABELS[code] for code in ("worker", "employer", "hr_agency")},
    "other": "其他",
}
KIND_LABELS = {"call": "来电", "handoff": "转人工"}
CHANNEL_LABELS = {"phone": "电话", "rest": "网页/App", "wechat": "微信"}
STATUS_LABELS = {"open": "进行中", "ended": "待填写小结", "saved": "已保存"}
MAX_SUMMARY = 4000
MAX_FOLLOW_UP = 1000
# A long call (an agent looking up many questions) still gets a draft that can be saved as it stands; it lists
# the latest questions.
MAX_DRAFT_QUESTIONS = 20
AUDIENCE_TO_CALLER = {"worker": "worker", "employer": "employer", "hr_agency": "hr_agency"}


class ContactError(ValueError):
    """A contact operation that cannot be done; the message is Chinese."""


@dataclass(frozen=True)
class Contact:
    """A contact record as the pages see it."""

    id: int
    reference: str
    account: str
    kind: str
    channel: str
    conversation_id: str | None
    handoff_reference: str | None
    person_id: int | None
    caller_type: str | None
    status: str
    events: list[dict[str, Any]]
    summary: str
    follow_up: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    saved_at: dt.datetime | None

    @property
    def kind_label(self) -> str:
        """来电 or 转人工."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def channel_label(self) -> str:
        """电话, 网页/App or 微信."""
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def status_label(self) -> str:
        """Chinese status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def caller_type_label(self) -> str:
        """Chinese caller type (empty when not set)."""
        return CALLER_TYPES.get(self.caller_type or "", "")

    @property
    def verified(self) -> dict[str, Any] | None:
        """The latest verification event, if the caller was verified."""
        found = [e for e in self.events if e.get("type") == "verified"]
        return found[-1] if found else None


@dataclass(frozen=True)
class Draft:
    """The summary draft built from a contact's events."""

    caller_type: str
    summary: str
    follow_up: str
    lines: list[str] = field(default_factory=list)


def _contact(row: ContactRecord, username: str) -> Contact:
    return row_to_record(
        Contact,
        row,
        account=username,
        reference=row.reference or "",
        events=json.loads(row.events or "[]"),
        summary=row.summary or "",
        follow_up=row.follow_up or "",
    )


def contact_reference(day: dt.date, row_id: int) -> str:
    """``LD20261128-000012`` (来电/联系记录)."""
    return f"LD{day:%Y%m%d}-{row_id:06d}"


class Calls:
    """Contact records in the case database (blocking; call through ``asyncio.to_thread``)."""

    def __init__(self, engine: Engine, today: Any = dt.date.today) -> None:
        """Use ``engine``; ``today`` dates the references (honours ``ASSISTANT_TODAY``)."""
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self._today = today

    def _unit(self) -> Session:
        return self._sessions()

    def _username(self, session: Session, account_id: int) -> str:
        row = session.get(StaffAccount, account_id)
        return row.username if row else "?"

    def _new(self, session: Session, account: Account, **values: Any) -> ContactRecord:
        row = ContactRecord(account_id=account.id, status="open", events="[]", started_at=utcnow(), **values)
        session.add(row)
        session.flush()
        row.reference = contact_reference(self._today(), row.id)
        return row

    def _open_call(self, session: Session, account: Account, create: bool = True) -> ContactRecord | None:
        row = session.execute(
            select(ContactRecord)
            .filter_by(account_id=account.id, kind="call", status="open")
            .order_by(ContactRecord.id.desc())
        ).scalar_one_or_none()
        if row is None and create:
            row = self._new(session, account, kind="call", channel="phone")
        return row

    def current(self, account: Account) -> Contact | None:
        """The agent's open call, or ``None`` (a call opens with the first thing the agent does)."""
        with self._unit() as session:
            row = self._open_call(session, account, create=False)
            return _contact(row, account.username) if row else None

    def _append(self, row: ContactRecord, event: dict[str, Any]) -> None:
        events = json.loads(row.events or "[]")
        events.append({"at": utcnow().isoformat(timespec="seconds"), **event})
        row.events = json.dumps(events, ensure_ascii=False)

    def record(self, account: Account, event: dict[str, Any], *, person_id: int | None = None) -> Contact:
        """Append ``event`` to the agent's open call (opening one when needed)."""
        with self._unit() as session, session.begin():
            row = self._open_call(session, account)
            assert row is not None  # create=True always gives a call
            self._append(row, event)
            if person_id is not None:
                row.person_id = person_id
            return _contact(row, account.username)

    def record_question(self, account: Account, result: Any) -> Contact:
        """Log an assist look-up: the (masked) words, the clause cited and its validity."""
        clause = result.clause
        event = {
            "type": "question",
            "text": mask_pii(result.text)[:300],
            "kind": result.kind,
            "clause": clause.ref if clause else None,
            "clause_label": f"{clause.label} {clause.title}" if clause else None,
            "validity": clause.validity.label if clause else None,
            "validity_status": clause.validity.status if clause else None,
        }
        return self.record(account, event)

    def start_handoff(self, account: Account, *, conversation_id: str, channel: str, reference: str) -> Contact:
        """A contact record for a handoff the agent took."""
        with self._unit() as session, session.begin():
            row = self._new(
                session,
                account,
                kind="handoff",
                channel=channel if channel in CHANNEL_LABELS else "rest",
                conversation_id=conversation_id,
                handoff_reference=reference,
            )
            self._append(row, {"type": "handoff_taken", "reference": reference})
            return _contact(row, account.username)

    def append_to(self, contact_id: int, event: dict[str, Any]) -> None:
        """Append ``event`` to a given contact record."""
        with self._unit() as session, session.begin():
            row = session.get(ContactRecord, contact_id)
            if row is None:
                raise ContactError("没有这条联系记录")
            self._append(row, event)

    def end(self, account: Account, contact_id: int | None = None) -> Contact | None:
        """End the agent's open call (or the given contact); ``None`` when there is nothing to end."""
        with self._unit() as session, session.begin():
            row = session.get(ContactRecord, contact_id) if contact_id else self._open_call(session, account, False)
            if row is None or row.status != "open":
                return None
            row.status, row.ended_at = "ended", utcnow()
            self._append(row, {"type": "ended"})
            return _contact(row, account.username)

    def get(self, contact_id: int) -> Contact | None:
        """One contact record."""
        with self._unit() as session:
            row = session.get(ContactRecord, contact_id)
            return _contact(row, self._username(session, row.account_id)) if row else None

    def save(self, account: Account, contact_id: int, *, caller_type: str, summary: str, follow_up: str) -> Contact:
        """Save the agent's summary; only the agent who handled it (or a supervisor) may."""
        if caller_type not in CALLER_TYPES:
            raise ContactError("请选择来电人类型")
        # Browsers send a textarea's line ends as \r\n: count them as the one character they are.
        summary = summary.replace("\r\n", "\n").strip()
        follow_up = follow_up.replace("\r\n", "\n")
        if not summary:
            raise ContactError("小结内容不能为空")
        if len(summary) > MAX_SUMMARY or len(follow_up) > MAX_FOLLOW_UP:
            raise ContactError(f"小结最多 {MAX_SUMMARY} 字，后续跟进最多 {MAX_FOLLOW_UP} 字")
        with self._unit() as session, session.begin():
            row = session.get(ContactRecord, contact_id)
            if row is None:
                raise ContactError("没有这条联系记录")
            if row.account_id != account.id and account.role != "supervisor":
                raise ContactError("只能保存自己处理的联系记录")
            if row.status == "open":
                row.ended_at = utcnow()
            row.caller_type, row.summary, row.follow_up = caller_type, summary, follow_up.strip()
            row.status, row.saved_at = "saved", utcnow()
            return _contact(row, self._username(session, row.account_id))

    def pending(self, account: Account) -> list[Contact]:
        """The agent's ended contacts still waiting for a summary."""
        with self._unit() as session:
            rows = session.execute(
                select(ContactRecord).filter_by(account_id=account.id, status="ended").order_by(ContactRecord.id)
            ).scalars()
            return [_contact(r, account.username) for r in rows]

    def search(self, query: str = "", limit: int = 200) -> list[Contact]:
        """Saved contact records, newest first, whose reference, summary, follow-up or agent matches ``query``."""
        with self._unit() as session:
            stmt = (
                select(ContactRecord, StaffAccount.username)
                .join(StaffAccount, StaffAccount.id == ContactRecord.account_id)
                .filter(ContactRecord.status == "saved")
                .order_by(ContactRecord.id.desc())
                .limit(limit)
            )
            query = query.strip()[:100]
            if query:
                like = f"%{query.replace('%', '').replace('_', '')}%"
                stmt = stmt.filter(
                    or_(
                        ContactRecord.reference.like(like),
                        ContactRecord.summary.like(like),
                        ContactRecord.follow_up.like(like),
                        ContactRecord.handoff_reference.like(like),
                        StaffAccount.username.like(like),
                    )
                )
            return [_contact(row, username) for row, username in session.execute(stmt)]


def _within(text: str, limit: int) -> str:
    """``text`` cut at a line end so that it fits ``limit`` characters (marked when cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2].rsplit("\n", 1)[0]
    return cut + "\n……"


def draft(contact: Contact) -> Draft:
    """The summary draft: caller type, case actions, questions with the clauses cited and their validity, follow-ups."""
    questions = [e for e in contact.events if e.get("type") == "question"]
    actions = [e for e in contact.events if e.get("type") == "case_action"]
    verified = contact.verified
    lines: list[str] = [f"{contact.kind_label}（{contact.channel_label}），联系记录 {contact.reference}"]
    if contact.handoff_reference:
        lines.append(f"转人工请求：{contact.handoff_reference}")
    if verified:
        lines.append(f"身份核验：{verified.get('person')}，已核对身份证号和登记手机号（{verified.get('method')}）")
    else:
        lines.append("身份核验：未核验")
    # What was done for the caller comes first: the list of contacts shows the beginning of each summary.
    if actions:
        lines.append("代办业务：")
        for a in actions:
            lines.append(f"- {a.get('what')}：{a.get('reference')}（{a.get('status', '已提交')}）")
    if questions:
        lines.append("咨询问题：")
        earlier = max(0, len(questions) - MAX_DRAFT_QUESTIONS)
        if earlier:  # a long call: the latest questions are the ones the summary is about
            lines.append(f"（此前另有 {earlier} 个问题未列出）")
        for i, q in enumerate(questions[earlier:], earlier + 1):
            if q.get("clause"):
                cited = f"答复依据 {q.get('clause_label')}（{q.get('validity')}）"
            elif q.get("kind") == "clarify":
                cited = "助手未能确定问题，需人工确认"
            else:
                cited = "知识库无对应条款"
            lines.append(f"{i}. {q.get('text')} —— {cited}")
    replies = [e for e in contact.events if e.get("type") == "agent_reply"]
    if replies:
        lines.append(f"坐席回复用户 {len(replies)} 条")
    follow: list[str] = []
    for q in questions:
        if q.get("validity_status") and q.get("validity_status") != "active":
            follow.append(f"{q.get('clause_label')}已不在执行期内，来电人如需现行政策，请转业务科室确认")
        elif not q.get("clause"):
            follow.append(f"问题“{q.get('text')}”知识库未覆盖，需业务科室答复")
    for a in actions:
        follow.append(f"跟进 {a.get('reference')} 的审核结果并告知来电人")
    if contact.kind == "handoff":
        follow.append("用户已交还助手继续服务")
    caller_type = "worker" if verified or actions else "other"
    return Draft(
        caller_type=contact.caller_type or caller_type,
        summary=_within("\n".join(lines), MAX_SUMMARY),
        follow_up=_within("\n".join(dict.fromkeys(follow)), MAX_FOLLOW_UP),
        lines=lines,
    )


EXPORT_HEADER = ["联系记录", "类型", "渠道", "坐席", "来电人类型", "开始时间", "结束时间", "小结", "后续跟进"]


def export_csv(contacts: list[Contact]) -> bytes:
    """Contact records as CSV in UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    for c in contacts:
        writer.writerow(
            [
                c.reference,
                c.kind_label,
                c.channel_label,
                c.account,
                c.caller_type_label,
                c.started_at.strftime("%Y-%m-%d %H:%M") if c.started_at else "",
                c.ended_at.strftime("%Y-%m-%d %H:%M") if c.ended_at else "",
                _csv_safe(c.summary),
                _csv_safe(c.follow_up),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas (a cell starting with = + - @ is shown as text)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value

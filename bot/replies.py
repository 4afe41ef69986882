"""The sentences the assistant builds from typed records: status lists, the registration summary.

Fixed wording lives in ``domain.yml`` as ``utter_*`` responses; this module holds only the texts that depend
on data. It reads records (:mod:`bot.cases.records`) and labels (:mod:`policy_kb.vocabulary`), never a store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.cases.records import StatusItem
from bot.privacy import mask_id_number, mask_phone
from bot.validation.numerals import format_chinese_number
from policy_kb.dates import format_date
from policy_kb.vocabulary import LOCAL_OR_AWAY_LABELS, PERSON_CATEGORY_LABELS, label


def status_details(item: StatusItem) -> str:
    """What the item is about, e.g. ``2026年2月24日前往江苏省昆山市，3 人``; personal data masked."""
    if item.kind == "registration":
        return f"求职意向：{item.work_wanted}，{label(LOCAL_OR_AWAY_LABELS, item.local_or_away)}"
    if item.kind == "transport_request":
        day = format_date(item.departure_date) if item.departure_date else ""
        return f"{day}前往{item.destination}，{item.party_size} 人"
    if item.kind == "training_enrolment":
        return f"培训项目：{item.course}"
    if item.kind == "subsidy_application":
        clause = format_chinese_number(item.clause) if item.clause else ""
        text = f"依据政策第（{clause}）条，金额 {item.amount_yuan} 元"
        if item.beneficiary_id_number:
            text += f"，涉及人员 {mask_id_number(item.beneficiary_id_number)}"
        return text
    return f"原因：{item.reason}"


def status_line(item: StatusItem) -> str:
    """One line for the user, e.g. ``求职登记 DJ20261128-000001：审核中（求职意向：普工，外出务工）``."""
    return f"{item.kind_label} {item.reference}：{item.status_label}（{status_details(item)}）"


def numbered_status_lines(items: Sequence[StatusItem]) -> list[str]:
    """``1. …``, ``2. …``: the items as a numbered list."""
    return [f"{i}. {status_line(item)}" for i, item in enumerate(items, 1)]


_FIELD_LABELS = {
    "person_name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "county": "所在县区",
    "person_category": "人员类别",
    "work_wanted": "想找的工作",
    "work_location": "就业意向",
}


def correction_notice(changed: Mapping[str, Any]) -> str:
    """``已把所在县区改为河东区。``: what a correction inside an answer changed (ID and phone masked)."""
    shown = {
        "id_number": lambda v: mask_id_number(v),
        "phone": lambda v: mask_phone(v),
        "person_category": lambda v: label(PERSON_CATEGORY_LABELS, v),
        "work_location": lambda v: label(LOCAL_OR_AWAY_LABELS, v),
    }
    parts = [
        f"{_FIELD_LABELS[slot]}改为{shown.get(slot, str)(value)}"
        for slot, value in changed.items()
        if slot in _FIELD_LABELS
    ]
    return f"好的，已把{'，'.join(parts)}。" if parts else ""


def registration_summary(slots: Mapping[str, Any]) -> str:
    """The summary the user confirms; ID number and phone are masked even for their owner."""
    yes_no = {True: "需要", False: "不需要"}
    transport, training = slots.get("needs_transport"), slots.get("wants_training")
    lines = [
        "请核对您的求职登记信息：",
        f"姓名：{slots.get('person_name')}",
        f"身份证号：{mask_id_number(slots.get('id_number') or '')}",
        f"手机号：{mask_phone(slots.get('phone') or '')}",
        f"所在县区：{slots.get('county')}",
        f"人员类别：{label(PERSON_CATEGORY_LABELS, slots.get('person_category'))}",
        f"想找的工作：{slots.get('work_wanted')}",
        f"就业意向：{label(LOCAL_OR_AWAY_LABELS, slots.get('work_location'))}",
        f"“点对点”专车：{yes_no[transport] if isinstance(transport, bool) else ''}",
        f"技能培训：{yes_no[training] if isinstance(training, bool) else ''}",
        "信息无误请回复“确认”；要修改请直接说，例如“手机号改成13800000000”；不办了请说“算了”。",
    ]
    return "\n".join(lines)

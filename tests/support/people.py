"""The fictional people and records the unit tests share (ID numbers with valid check digits, no real person)."""

from __future__ import annotations

from typing import Any

from bot.cases.records import PersonRecord

# The answers of a complete job-seeking registration, as the form's slots hold them.
REGISTRATION_SLOTS: dict[str, Any] = {
    "id_number": "37132819900101901X",
    "phone": "13912345678",
    "person_name": "张测试",
    "county": "沂南县",
    "person_category": "poverty_alleviated",
    "work_wanted": "电工",
    "work_location": "away",
    "needs_transport": True,
    "wants_training": False,
    "registration_confirmed": True,
}


def person(category: str = "poverty_alleviated", status: str = "unemployed", **facts: Any) -> PersonRecord:
    """张三 of 兰山区, in ``category`` and employment ``status``, with any other ``facts``."""
    return PersonRecord(
        id_number="371302199001011234",
        name="张三",
        phone="13800000000",
        category=category,
        employment_status=status,
        county="兰山区",
        **facts,
    )

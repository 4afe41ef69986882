"""Records: JSON round trips (the HTTP API's wire format), masking in repr, labels and references."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.cases.records import (
    EmployerRecord,
    PersonDetails,
    PersonRecord,
    RegistrationRecord,
    StatusItem,
    SubsidyApplicationRecord,
    TransportRequestRecord,
    from_json,
    make_reference,
    status_label,
    to_json,
)
from bot.replies import status_line

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.timezone.utc)
PERSON = PersonRecord(
    id_number="371302198503120427", name="测试王芳", phone="17000000001", category="poverty_alleviated"
)

RECORDS = [
    PERSON,
    EmployerRecord("91371324MA3CDEM038", "兰陵县测试服装就业帮扶车间", "assistance_workshop", "兰陵县", "17000000101"),
    RegistrationRecord("DJ20261128-000001", PERSON.id_number, "普工", "away", True, False, "submitted", NOW, NOW),
    TransportRequestRecord("DD20261128-000001", PERSON.id_number, "昆山", dt.date(2027, 2, 13), 3, "approved", NOW),
    SubsidyApplicationRecord("BT20261128-000001", "employer", "91371324MA3CDEM038", 1, 3000, "in_review", NOW),
    StatusItem("registration", "DJ20261128-000001", "in_review", NOW, NOW, work_wanted="普工", local_or_away="away"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_json_round_trip(record: object) -> None:
    data = to_json(record)
    assert all(not isinstance(value, dt.date) for value in data.values())
    assert from_json(type(record), data) == record


def test_naive_datetimes_from_the_wire_are_taken_as_utc() -> None:
    data = to_json(RECORDS[2]) | {"created_at": "2026-11-28T09:30:00"}
    assert from_json(RegistrationRecord, data).created_at == NOW


@pytest.mark.parametrize(
    "record",
    [PERSON, PersonDetails("371302198503120427", "测试王芳", "17000000001"), RECORDS[2], RECORDS[3]],
    ids=lambda r: type(r).__name__,
)
def test_repr_never_shows_full_id_or_phone(record: object) -> None:
    text = repr(record)
    assert "371302198503120427" not in text and "17000000001" not in text


def test_labels() -> None:
    assert PERSON.category_label == "脱贫享受政策人口"
    assert [status_label(s) for s in ("submitted", "in_review", "approved", "rejected", "completed")] == [
        "已提交",
        "审核中",
        "已通过",
        "未通过",
        "已办结",
    ]
    assert status_line(RECORDS[5]) == "求职登记 DJ20261128-000001：审核中（求职意向：普工，外出务工）"


def test_make_reference() -> None:
    assert make_reference("registration", dt.date(2026, 11, 28), 123) == "DJ20261128-000123"
    assert make_reference("handoff", dt.date(2027, 1, 2), 1234567) == "ZR20270102-1234567"

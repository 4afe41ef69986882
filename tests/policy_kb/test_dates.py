"""Date awareness on both sides of every end date."""

from __future__ import annotations

import datetime as dt

import pytest

from policy_kb.answer import answer_clause
from policy_kb.dates import ClauseStatus, clause_status, format_date
from policy_kb.document_answers import validity
from policy_kb.model import KnowledgeBase

DOC = "linrenshezi-2021-88"


@pytest.mark.parametrize(
    ("number", "day", "status"),
    [
        ("一", dt.date(2021, 8, 16), ClauseStatus.NOT_YET_ISSUED),
        ("一", dt.date(2021, 8, 17), ClauseStatus.ACTIVE),
        ("一", dt.date(2021, 12, 31), ClauseStatus.ACTIVE),
        ("一", dt.date(2022, 1, 1), ClauseStatus.CLAUSE_EXPIRED),
        ("一", dt.date(2026, 11, 28), ClauseStatus.CLAUSE_EXPIRED),
        ("七", dt.date(2022, 1, 1), ClauseStatus.ACTIVE),
        ("七", dt.date(2025, 12, 31), ClauseStatus.ACTIVE),
        ("七", dt.date(2026, 1, 1), ClauseStatus.DOCUMENT_EXPIRED),
    ],
)
def test_clause_status(kb: KnowledgeBase, number: str, day: dt.date, status: ClauseStatus) -> None:
    doc = kb.document_by_id(DOC)
    assert clause_status(doc, doc.clause(number), day) is status


def test_work_for_training_asked_today_says_both_periods_ended(kb: KnowledgeBase) -> None:
    clause = kb.document_by_id(DOC).clause("一")
    text = answer_clause(kb, clause, dt.date(2026, 11, 28)).text
    assert "2021年底" in text and "已经结束" in text
    assert "2025年12月31日截止" in text
    assert text.index("请注意") < text.index("500元")  # the expiry comes first


def test_work_for_training_in_2021_is_a_current_benefit(kb: KnowledgeBase) -> None:
    clause = kb.document_by_id(DOC).clause("一")
    text = answer_clause(kb, clause, dt.date(2021, 9, 1)).text
    assert "500元" in text and "执行至2021年底" in text
    assert "结束" not in text and "截止" not in text


def test_work_for_training_in_2023_ended_but_document_runs(kb: KnowledgeBase) -> None:
    text = answer_clause(kb, kb.document_by_id(DOC).clause("一"), dt.date(2023, 6, 1)).text
    assert "已经结束" in text and "文件其他条款执行至2025年12月31日" in text


@pytest.mark.parametrize(
    ("day", "expected"), [(dt.date(2025, 12, 31), "仍在执行期内"), (dt.date(2026, 1, 1), "已经结束")]
)
def test_validity_on_both_sides_of_the_document_end(kb: KnowledgeBase, day: dt.date, expected: str) -> None:
    text = validity(kb, day).text
    assert expected in text
    assert "2021年8月17日" in text and "2025年12月31日" in text and "鲁人社字〔2021〕84号" in text


def test_format_date() -> None:
    assert format_date(dt.date(2025, 12, 31)) == "2025年12月31日"

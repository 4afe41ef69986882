"""A later document added as a new folder takes over on the dates it is in force, and is the one cited.

The successor (tests/policy_kb/successor/) is fictional and lives only here, never in policy_kb/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from policy_kb.answer import PolicyResponder
from policy_kb.loader import KB_ROOT, load_kb
from policy_kb.model import KnowledgeBase
from policy_kb.organisations import organisation_overview

SUCCESSOR = Path(__file__).resolve().parent / "successor" / "linrenshezi-2026-901"
OLD = "临人社字〔2021〕88号"
NEW = "临人社字〔2026〕901号"


@pytest.fixture(scope="module")
def kb_with_successor(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("kb")
    shutil.copy(KB_ROOT / "service.yml", root / "service.yml")
    shutil.copytree(KB_ROOT / "documents", root / "documents")
    shutil.copytree(SUCCESSOR, root / "documents" / SUCCESSOR.name)
    return load_kb(root)


def test_the_shipped_knowledge_base_has_no_successor() -> None:
    assert not (KB_ROOT / "documents" / SUCCESSOR.name).exists()
    assert [d.number for d in load_kb().documents] == [OLD]


def test_inside_the_successors_period_answers_come_from_it(kb_with_successor: KnowledgeBase) -> None:
    responder = PolicyResponder(kb_with_successor)
    on = dt.date(2026, 11, 28)
    answer = responder.respond("以工代训补多少", "ask_work_for_training", 0.95, on)
    assert f"依据：{NEW} 第（一）条" in answer.text and "700元" in answer.text and "4个月" in answer.text
    assert OLD not in answer.text and "截止" not in answer.text
    # a full-text search hit is also answered from the document in force, not from the older one
    searched = responder.respond("帮扶车间以工代训", None, 0.0, on)
    assert f"依据：{NEW}" in searched.text
    current = responder.respond("现在执行的是什么政策", "ask_current_policy", 0.95, on)
    assert NEW in current.text and "2028年12月31日" in current.text
    document = responder.respond("文件是谁发的", "ask_validity", 0.95, on)
    assert NEW in document.text and "市公共就业服务中心（测试）" in document.text


def test_the_employer_overview_follows_the_document_in_force(kb_with_successor: KnowledgeBase) -> None:
    text = organisation_overview(kb_with_successor, "hr_agency", dt.date(2027, 5, 1))
    assert NEW in text and "每人不超过900元" in text and "600元" not in text
    # before the successor was issued, the 2021 document is still the one cited
    before = organisation_overview(kb_with_successor, "hr_agency", dt.date(2024, 5, 1))
    assert OLD in before and "每人不超过600元" in before and NEW not in before


def test_before_and_after_the_successor(kb_with_successor: KnowledgeBase) -> None:
    responder = PolicyResponder(kb_with_successor)
    old = responder.respond("公益岗签几年", "ask_public_welfare_post", 0.95, dt.date(2024, 6, 1))
    assert f"依据：{OLD} 第（七）条" in old.text
    # a topic the successor does not cover is still answered from the older document, flagged as ended
    gap = responder.respond("公益岗签几年", "ask_public_welfare_post", 0.95, dt.date(2026, 11, 28))
    assert OLD in gap.text and "2025年12月31日截止" in gap.text
    after = responder.respond("现在有啥政策", "ask_current_policy", 0.95, dt.date(2029, 3, 1))
    assert "2028年12月31日截止" in after.text and "没有接续它的新文件" in after.text and "12333" in after.text

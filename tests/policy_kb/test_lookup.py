"""Clause lookup by number in the ways people write it, and by title."""

from __future__ import annotations

from pathlib import Path

import pytest
from cases import cases

from policy_kb.lookup import find_reference
from policy_kb.model import KnowledgeBase

CASES = Path(__file__).with_name("text_cases.yml")


@pytest.mark.parametrize(("text", "number", "original"), cases(CASES, "find_reference"))
def test_reference_found(kb: KnowledgeBase, text: str, number: str, original: bool) -> None:
    ref = find_reference(text, kb.documents[0])
    assert ref is not None and ref.number == number and ref.clause is not None
    assert ref.wants_original is original


def test_missing_number_is_reported(kb: KnowledgeBase) -> None:
    ref = find_reference("第二十条是什么", kb.documents[0])
    assert ref is not None and ref.clause is None and ref.number == "二十"


@pytest.mark.parametrize("text", ["公益岗一条规定都没有吗", "那一条", "有两条路", "这条件怎么算", "以工代训补贴多少钱"])
def test_no_reference(kb: KnowledgeBase, text: str) -> None:
    assert find_reference(text, kb.documents[0]) is None

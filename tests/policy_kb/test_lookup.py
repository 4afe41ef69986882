"""Clause lookup by number in the ways people write it, and by title."""

from __future__ import annotations

import pytest

from policy_kb.lookup import find_reference
from policy_kb.model import KnowledgeBase


@pytest.mark.parametrize(
    ("text", "number", "original"),
    [
        ("第十条", "十", False),
        ("第（十）条原文", "十", True),
        ("第(10)条", "十", False),
        ("第10条说的什么", "十", False),
        ("十二条是啥内容", "十二", False),
        ("条款十二", "十二", False),
        ("条款8", "八", False),
        ("第 12 条", "十二", False),
        ("第１２条", "十二", False),
        ("88号文第十三条是什么", "十三", False),
        ("用好乡村公益性岗位那一条原文", "七", True),
        ("“推动跨省劳务协作”是第几条", "九", False),
    ],
)
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

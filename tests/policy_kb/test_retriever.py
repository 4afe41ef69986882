"""The BM25 retriever finds the clause a free question is about, and nothing for unrelated questions."""

from __future__ import annotations

import pytest

from policy_kb.model import KnowledgeBase
from policy_kb.retriever import BM25, ClauseRetriever


@pytest.fixture(scope="module")
def retriever(kb: KnowledgeBase) -> ClauseRetriever:
    return ClauseRetriever(kb)


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("帮扶车间招人有没有补贴", "一"),
        ("送外卖的能补社保吗，灵活就业那种", "二"),
        ("以工代赈的劳务报酬", "三"),
        ("稳岗返还", "四"),
        ("非遗工坊", "五"),
        ("劳务基地一次性奖补", "六"),
        ("来电人问公益岗合同签几年", "七"),
        ("安置区按比例安排就业", "八"),
        ("黄河流域省外招工服务站", "九"),
        ("重庆城口来的能认定就业困难人员吗", "十"),
        ("协作体", "十一"),
        ("人力资源公司组织外出务工给补多少", "十二"),
        ("有没有专车送我们去打工", "十三"),
        ("培训期间生活费", "十四"),
        ("一县一品", "十五"),
        ("就业帮扶直通车", "十六"),
    ],
)
def test_finds_the_clause(retriever: ClauseRetriever, question: str, number: str) -> None:
    hits = retriever.search(question)
    assert hits and hits[0].item.number == number


@pytest.mark.parametrize("question", ["明天天气怎么样", "医保怎么报销", "讲个笑话"])
def test_unrelated_questions_find_nothing(retriever: ClauseRetriever, question: str) -> None:
    assert retriever.search(question) == []


def test_bm25_prefers_rarer_terms_and_shorter_documents() -> None:
    index = BM25(["a", "b", "c"], [["补贴", "公益岗"], ["补贴", "专车", "专车"], ["补贴"] + ["其他"] * 20])
    ranked = index.rank(["专车"])
    assert [h.item for h in ranked] == ["b"]
    both = index.rank(["补贴"])
    assert both[-1].item == "c"  # the long document scores lowest for the same term

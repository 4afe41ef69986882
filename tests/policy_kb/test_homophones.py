"""Words of the knowledge base put back from same-sounding characters, and nothing else touched."""

from __future__ import annotations

import pytest

from policy_kb.homophones import HomophoneRepair, default_repair
from policy_kb.model import KnowledgeBase
from policy_kb.retriever import ClauseRetriever


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        ("劳务书出补贴今年还有吗", "劳务输出补贴今年还有吗"),
        ("以工代讯一个月多少钱", "以工代训一个月多少钱"),
        ("公益性岗位签几年", "公益性岗位签几年"),  # written right: unchanged
        ("帮扶车间招人有补贴吗", "帮扶车间招人有补贴吗"),
        ("喂 你好 俺想问问", "喂 你好 俺想问问"),
        ("", ""),
    ],
)
def test_the_knowledge_bases_words(typed: str, repaired: str) -> None:
    assert default_repair().repair(typed) == repaired


def test_only_up_to_half_of_a_word_may_differ() -> None:
    repair = HomophoneRepair(["劳务输出"])
    assert repair.repair("劳务书出") == "劳务输出"  # one of four characters
    assert repair.repair("牢务书出") == "劳务输出"  # two of four
    assert repair.repair("牢物书出") == "牢物书出"  # three of four: another phrase that sounds alike
    assert repair.repair("老务书出") == "老务书出"  # 老 has another tone


def test_two_words_that_sound_alike_are_both_left_alone() -> None:
    repair = HomophoneRepair(["公式化", "公事化", "劳务输出"])
    assert repair.repair("公示化") == "公示化"
    assert repair.repair("劳务书出") == "劳务输出"


def test_short_words_and_other_characters_are_ignored() -> None:
    repair = HomophoneRepair(["城口", "AI助手", "以工代训"])
    assert repair.repair("成口") == "成口"  # two characters: too many words sound alike
    assert repair.repair("以工代讯 ok 123") == "以工代训 ok 123"


def test_the_search_finds_a_clause_written_with_homophones(kb: KnowledgeBase) -> None:
    retriever = ClauseRetriever(kb)
    typed, right = (
        retriever.search("劳务书出补贴今年还有吗", limit=1),
        retriever.search("劳务输出补贴今年还有吗", limit=1),
    )
    assert typed[0].item.number == right[0].item.number == "十二"
    assert typed[0].score == pytest.approx(right[0].score)

"""Clause conditions applied to stated facts: estimates split by group, and "does this apply to me"."""

from __future__ import annotations

import pytest

from bot.facts import extract_facts
from policy_kb.model import KnowledgeBase
from policy_kb.stated import Outcome, apply_to_person, estimate_groups


def _clause(kb: KnowledgeBase, number: str):
    return kb.documents[0].clause(number)


@pytest.mark.parametrize(
    ("number", "text", "qualifying", "months", "excluded"),
    [
        ("十二", "劳务输出补贴：一共20人，其中5个在户籍县内就业，3个合同只有4个月，能补多少钱", 12, None, [5, 3]),
        ("一", "招了8个脱贫户 其中2个以前享受过以工代训 干了6个月", 6, 6, [2]),
        ("一", "合作社招了5个边缘户，开展以工代训干了8个月", 5, 8, []),
        ("一", "招了10个人，其中3个脱贫户，其他是普通村民，以工代训干了3个月", 3, 3, [7]),
        ("一", "我们招了15个人 其中5个脱贫户 5个边缘户 剩下5个不是 以工代训4个月", 10, 4, [5]),
        ("十二", "劳务输出了15个人都在外县上班，其中4个合同期5个月，其他的合同都是一年", 11, None, [4]),
        ("十二", "输出10人，都是脱贫户，去了外县，合同期都是三个月", 0, None, [10]),
        ("一", "厂里新招了一个脱贫户，他在上一家单位领过以工代训补贴，干了3个月", 0, 3, [1]),
        ("一", "车间招了4个边缘户，这几个人都享受过以工代训了，干了5个月", 0, 5, [4]),
    ],
)
def test_estimate_by_group(kb: KnowledgeBase, number: str, text: str, qualifying: int, months, excluded) -> None:
    clause = _clause(kb, number)
    result = estimate_groups(clause, extract_facts(text))
    benefit = clause.benefit
    assert result.qualifying == qualifying
    assert [e.count for e in result.exclusions] == excluded
    if benefit.basis == "per_person_month":
        used = min(months, int(benefit.max_months.value))
        expected = qualifying * benefit.amount.value * used
    else:
        expected = qualifying * benefit.amount.value
    assert result.amount == expected
    text_out = "\n".join(result.lines())
    if qualifying:
        assert f"{qualifying}人" in text_out and f"{int(expected)}{benefit.amount.unit}" in text_out


def test_estimate_asks_for_what_is_missing(kb: KnowledgeBase) -> None:
    """No months: the maximum is an upper bound and the months are asked; no contract: a precondition."""
    months = estimate_groups(_clause(kb, "一"), extract_facts("招了6个脱贫户搞以工代训 能补多少钱"))
    assert "最多" in months.sentence and any("几个月" in q for q in months.questions)
    contract = estimate_groups(_clause(kb, "十二"), extract_facts("劳务输出12个脱贫户 有2个就在本县上班"))
    assert contract.qualifying == 10
    assert any("合同期" in p for p in contract.preconditions) and contract.questions


def test_excluded_people_are_named_with_the_reason(kb: KnowledgeBase) -> None:
    result = estimate_groups(_clause(kb, "十二"), extract_facts("一共20人，其中5个在户籍县内就业，3个合同只有4个月"))
    reasons = {e.count: e.reason for e in result.exclusions}
    assert "户籍所在县内" in reasons[5]
    assert "4个月" in reasons[3] and "6个月" in reasons[3]


@pytest.mark.parametrize(
    ("number", "text", "outcome", "deciding"),
    [
        ("十", "我是甘肃的脱贫户，在临沂干了三个月了，能算就业困难人员吗", Outcome.NOT_MET, "还不满6个月"),
        ("十", "我是重庆城口县的，但不是脱贫户，来临沂打工能享受吗", Outcome.NOT_MET, "只针对脱贫人口"),
        ("十", "我是城口县的脱贫户，刚来临沂一个月", Outcome.UNKNOWN, "不受"),
        ("十", "我是四川的脱贫人口，在临沂住了一年了，社保只交了3个月", Outcome.NOT_MET, "社会保险6个月以上"),
        ("十", "我是河南的脱贫户，在临沂住了8个月，社保交了7个月", Outcome.UNKNOWN, "已满6个月"),
        ("十三", "俺是边缘户 能坐点对点专车不", Outcome.NOT_MET, "脱贫享受政策人口"),
        ("十二", "合同签了5个月能申请劳务输出补贴吗", Outcome.NOT_MET, "6个月以上"),
        ("十二", "劳务输出到外县，合同签了8个月的边缘户", Outcome.MET, "满6个月"),
        ("一", "以前享受过以工代训，新厂还能申请吗", Outcome.NOT_MET, "除外"),
        ("十四", "我不是脱贫户也不是边缘户，能参加项目制培训吗", Outcome.NOT_MET, "您说您不是"),
    ],
)
def test_apply_to_person(kb: KnowledgeBase, number: str, text: str, outcome: Outcome, deciding: str) -> None:
    result = apply_to_person(_clause(kb, number), extract_facts(text))
    assert result.outcome is outcome
    assert deciding in "\n".join(result.lines())


def test_age_is_answered_from_the_document(kb: KnowledgeBase) -> None:
    """The document sets no age limit: say so, marked apart from what the document says."""
    clause = _clause(kb, "十四")
    assert "岁" not in clause.text
    lines = apply_to_person(clause, extract_facts("我58岁了还能参加职业技能培训吗")).lines()
    assert lines[0].startswith("年龄：本文件没有规定年龄限制")
    assert "一般情况" in lines[0]


def test_nothing_stated_gives_no_judgement(kb: KnowledgeBase) -> None:
    assert apply_to_person(_clause(kb, "十"), extract_facts("中西部来临沂打工的有啥政策")) is None

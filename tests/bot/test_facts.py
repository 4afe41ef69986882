"""The facts extractor: what people state about groups of people and about themselves, table-tested."""

from __future__ import annotations

import pytest

from bot.facts import extract_facts
from policy_kb.stated import INSIDE_HOME_COUNTY, NOT_TARGET, OUTSIDE_HOME_COUNTY


@pytest.mark.parametrize(
    ("text", "total", "groups"),
    [
        # (count, category, location, contract months, received 以工代训) per stated group
        (
            "劳务输出补贴：一共20人，其中5个在户籍县内就业，3个合同只有4个月，能补多少钱",
            20,
            [(5, None, INSIDE_HOME_COUNTY, None, None), (3, None, None, 4, None)],
        ),
        ("招了8个脱贫户 其中2个以前享受过以工代训 干了6个月", 8, [(2, None, None, None, True)]),
        (
            "劳务输出了15个人都在外县上班，其中4个合同期5个月，其他的合同都是一年",
            15,
            [(4, None, None, 5, None), (None, None, None, 12, None)],
        ),
        (
            "招了10个人，其中3个脱贫户，其他是普通村民",
            10,
            [(3, "poverty_alleviated", None, None, None), (None, NOT_TARGET, None, None, None)],
        ),
        (
            "一共40人劳务输出，10个县内就业，5个合同3个月",
            40,
            [(10, None, INSIDE_HOME_COUNTY, None, None), (5, None, None, 3, None)],
        ),
        (
            "帮扶车间招了6个人，4个脱贫户2个边缘户",
            6,
            [(4, "poverty_alleviated", None, None, None), (2, "edge_of_poverty", None, None, None)],
        ),
        ("输出了二十五个脱贫户去外地打工", 25, []),
        # A later sentence about the people already counted.
        ("厂里新招了一个脱贫户，他在上一家单位领过以工代训补贴，这次还能申请吗", 1, [(None, None, None, None, True)]),
        ("车间招了3个边缘户，这几个人都享受过以工代训了", 3, [(None, None, None, None, True)]),
        ("车间招了3个边缘户，以前有人享受过以工代训", 3, []),
        ("我是甘肃的脱贫户", None, []),
    ],
)
def test_groups_of_people(text: str, total: int | None, groups: list[tuple]) -> None:
    facts = extract_facts(text)
    assert facts.total == total
    found = [(g.count, g.category, g.location, g.contract_months, g.received_work_for_training) for g in facts.groups]
    assert found == groups


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们车间吸纳了10个脱贫户搞以工代训，干了4个月", {"months_worked": 4, "work_for_training": True}),
        ("以工代训干了半年", {"months_worked": 6}),
        (
            "输出10人，都是脱贫户，去了外县，合同期都是三个月",
            {"category": "poverty_alleviated", "contract_months": 3, "location": OUTSIDE_HOME_COUNTY},
        ),
        ("合同两年", {"contract_months": 24}),
        (
            "我是甘肃的脱贫户，在临沂干了三个月了",
            {"category": "central_western_migrant", "origin_province": "甘肃省", "months_worked": 3},
        ),
        (
            "我是重庆城口县的，但不是脱贫户",
            {"origin_county": "城口县", "category": None, "not_categories": frozenset({"poverty_alleviated"})},
        ),
        ("我是四川的脱贫人口，在临沂住了一年了，社保只交了3个月", {"residence_months": 12, "insurance_months": 3}),
        (
            "我不是脱贫户也不是边缘户",
            {"category": None, "not_categories": frozenset({"poverty_alleviated", "edge_of_poverty"})},
        ),
        ("我不是脱贫户，是边缘户", {"category": "edge_of_poverty"}),
        ("我58岁了还能参加培训吗", {"age": 58, "asks_age": True}),
        ("年纪大了还能干公益岗吗", {"age": None, "asks_age": True}),
        ("以前在车间享受过以工代训", {"received_work_for_training": True}),
        # Groups named, whoever they are said of (not what the asker is).
        ("是不是得安排搬迁户来干", {"category": None, "named_categories": frozenset({"relocated"})}),
        (
            "我不是脱贫户，招的都是易地搬迁的群众和边缘户",
            {"named_categories": frozenset({"relocated", "edge_of_poverty"})},
        ),
        ("人力公司把脱贫户输出到本县的厂里，合同一年", {"location": INSIDE_HOME_COUNTY, "contract_months": 12}),
        # Nothing said: nothing assumed.
        (
            "以工代训补贴是多少",
            {
                "months_worked": None,
                "category": None,
                "location": None,
                "contract_months": None,
                "received_work_for_training": None,
                "total": None,
            },
        ),
    ],
)
def test_facts_about_everybody_or_the_asker(text: str, expected: dict) -> None:
    facts = extract_facts(text)
    for name, value in expected.items():
        assert getattr(facts, name) == value, name


def test_months_and_yuan_are_not_people() -> None:
    facts = extract_facts("干了6个月，每月500元，8个县区都有")
    assert facts.total is None and facts.groups == ()

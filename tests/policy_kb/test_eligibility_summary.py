"""The eligibility result fits one message: the expiry said once, then what applied and what to do now."""

from __future__ import annotations

import datetime as dt

import pytest
from people import person

from bot.cases.records import PersonRecord
from policy_kb.eligibility import Verdict, evaluate_person
from policy_kb.eligibility_summary import MAX_CHARS, summarize_person
from policy_kb.model import KnowledgeBase


@pytest.mark.parametrize(
    "who",
    [
        person("poverty_alleviated"),
        person("edge_of_poverty", "flexible"),
        person("central_western_migrant", origin_province="重庆市", origin_county="城口县"),
        person("relocated"),
    ],
)
def test_after_the_end_the_notice_comes_once_then_what_applied(kb: KnowledgeBase, who: PersonRecord) -> None:
    doc = kb.documents[0]
    text = summarize_person(kb, who, dt.date(2026, 11, 28))
    assert len(text) <= MAX_CHARS
    assert text.count("截止") == 1 and text.startswith("请注意")
    applied = [f for f in evaluate_person(kb, who, doc.effective_until) if f.verdict is not Verdict.NOT_ELIGIBLE]
    assert applied, "every demo category had something under the document"
    assert applied[0].clause.label in text
    assert "现在怎么办" in text and kb.hotline.number in text


def test_in_force_lists_what_applies_and_names_the_rest(kb: KnowledgeBase) -> None:
    text = summarize_person(kb, person("poverty_alleviated"), dt.date(2023, 6, 1))
    assert len(text) <= MAX_CHARS and "不适用：" in text and "截止" not in text

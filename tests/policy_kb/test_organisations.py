"""The employer / HR-agency overview and the document questions, from the knowledge base's data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cases import cases

from policy_kb.answer import PolicyResponder
from policy_kb.dates import format_date
from policy_kb.model import KnowledgeBase
from policy_kb.organisations import audience_of, benefit_amount, organisation_overview

CASES = Path(__file__).with_name("text_cases.yml")

IN_FORCE = dt.date(2021, 10, 1)
AFTER = dt.date(2026, 11, 28)


@pytest.mark.parametrize(("text", "audience"), cases(CASES, "audience_of"))
def test_audience_of(text: str, audience: str) -> None:
    assert audience_of(text) == audience


def test_employer_overview_lists_every_clause_addressed_to_employers(kb: KnowledgeBase) -> None:
    text = organisation_overview(kb, "employer", IN_FORCE)
    doc = kb.document(IN_FORCE)
    expected = [c for c in doc.clauses if "employer" in c.audiences]
    assert len(expected) >= 3
    for clause in expected:
        assert clause.label in text
    work_for_training = kb.clause_for_topic("work_for_training", IN_FORCE)
    assert benefit_amount(work_for_training.benefit) in text  # 每人每月500元，最长6个月, from the figures
    assert "500元" in text and "6个月" in text and "执行至2021年底" in text
    assert "请注意" not in text  # in force that day
    for clause in doc.clauses:
        if "employer" not in clause.audiences:
            assert f"· {clause.label}" not in text


def test_agency_overview_has_the_placement_cap_and_its_conditions(kb: KnowledgeBase) -> None:
    text = organisation_overview(kb, "hr_agency", IN_FORCE)
    placement = kb.clause_for_topic("labor_export_subsidy", IN_FORCE)
    assert placement.label in text and "每人不超过600元" in text and "合同期6个月以上" in text
    assert placement.citation.removeprefix("依据：").split()[0] in text
    assert kb.clause_for_topic("work_for_training", IN_FORCE).label + "以工代训" not in text


def test_overview_after_the_end_of_validity_says_so_first(kb: KnowledgeBase) -> None:
    text = organisation_overview(kb, "employer", AFTER)
    doc = kb.document(AFTER)
    assert text.startswith("请注意") and format_date(doc.effective_until) in text and kb.hotline.number in text
    assert "只执行到2021年底，已结束" in text


def test_overview_rejects_an_unknown_audience(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError):
        organisation_overview(kb, "worker", IN_FORCE)


def test_document_questions_come_from_document_yml(kb: KnowledgeBase) -> None:
    responder = PolicyResponder(kb)
    doc = kb.document(AFTER)
    text = responder.respond("这个文件是哪几个单位发的", "ask_validity", 0.9, AFTER).text
    assert doc.number in text and doc.title in text and doc.contact_unit in text
    assert all(issuer in text for issuer in doc.issuers) and format_date(doc.issued) in text
    assert doc.validity_text in text and "执行期限已经结束" in text and doc.contact_unit in text
    assert "没有接续它的新文件" in text


def test_current_policy_is_honest_after_the_end_of_validity(kb: KnowledgeBase) -> None:
    responder = PolicyResponder(kb)
    for day in (dt.date(2026, 1, 1), AFTER, dt.date(2031, 7, 1)):
        text = responder.respond("现在有什么新政策", "ask_current_policy", 0.9, day).text
        assert format_date(day) in text and "2025年12月31日截止" in text
        assert "没有接续它的新文件" in text and kb.hotline.number in text
    during = responder.respond("现在执行哪个文件", "ask_current_policy", 0.9, IN_FORCE).text
    assert "现行文件是临人社字〔2021〕88号" in during and "截止" not in during


def test_employer_overview_intent_picks_the_audience_from_the_question(kb: KnowledgeBase) -> None:
    responder = PolicyResponder(kb)
    agency = responder.respond("俺们劳务公司能拿啥补贴", "ask_employer_overview", 0.9, IN_FORCE)
    assert agency.kind == "overview" and "人力资源服务机构" in agency.text and "600元" in agency.text
    boss = responder.respond("厂里招脱贫户有啥好处", "ask_employer_overview", 0.9, IN_FORCE)
    assert "用人单位" in boss.text and "500元" in boss.text

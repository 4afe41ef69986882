"""Answers: numbers come from the knowledge base data, with the key condition and the citation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.facts import extract_facts
from bot.quantities import people_count
from policy_kb.answer import PolicyResponder, answer_clause
from policy_kb.document_answers import contact, out_of_scope, responsibility
from policy_kb.estimate import estimate
from policy_kb.model import Figure, KnowledgeBase

DOC = "linrenshezi-2021-88"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def responder(kb: KnowledgeBase) -> PolicyResponder:
    return PolicyResponder(kb, count_people=lambda text: 3 if "3个" in text else None)


def test_answer_has_numbers_condition_citation_and_offer(kb: KnowledgeBase) -> None:
    text = answer_clause(kb, kb.document_by_id(DOC).clause("十二"), TODAY).text
    assert "600元" in text and "6个月" in text
    assert "户籍所在县" in text
    assert "依据：临人社字〔2021〕88号 第（十二）条" in text
    assert "原文" in text


def test_numbers_follow_the_data_not_the_template(kb: KnowledgeBase) -> None:
    clause = kb.document_by_id(DOC).clause("十二")
    changed = dataclasses.replace(clause, figures={**clause.figures, "max_amount_per_person": Figure(800, "元")})
    text = answer_clause(kb, changed, TODAY).text
    assert "800元" in text and "600元" not in text


def test_every_figure_of_every_clause_is_said_in_its_answer(kb: KnowledgeBase) -> None:
    for clause in kb.all_clauses():
        said = clause.answer + clause.key_condition
        for name, figure in clause.figures.items():
            assert str(figure.number) in said, f"{clause.label} {name}"


@pytest.mark.parametrize(
    ("intent", "number"),
    [
        ("ask_work_for_training", "一"),
        ("ask_public_welfare_post", "七"),
        ("ask_labor_export_subsidy", "十二"),
    ],
)
def test_confident_intent_routes_to_its_clause(responder: PolicyResponder, intent: str, number: str) -> None:
    assert responder.respond("随便问问", intent, 0.9, TODAY).clause.number == number


def test_unconfident_intent_falls_back_to_search(responder: PolicyResponder) -> None:
    answer = responder.respond("公益岗合同签几年", "ask_point_to_point", 0.2, TODAY)
    assert answer.clause.number == "七"


def test_nlu_fallback_answers_when_search_agrees_with_the_best_guess(responder: PolicyResponder) -> None:
    parse = {
        "text": "劳务输出补贴",
        "intent": {"name": "nlu_fallback", "confidence": 0.45},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.45},
            {"name": "ask_labor_export_subsidy", "confidence": 0.4},
            {"name": "ask_point_to_point", "confidence": 0.38},
        ],
    }
    assert responder.respond_to_parse(parse, TODAY).clause.number == "十二"


def test_nlu_fallback_without_agreement_asks_back(responder: PolicyResponder) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_point_to_point", "confidence": 0.41},
        {"name": "ask_skills_training", "confidence": 0.39},
    ]
    parse = {"text": "那个出去的事咋弄", "intent": ranking[0], "intent_ranking": ranking}
    answer = responder.respond_to_parse(parse, TODAY)
    assert answer.kind == "clarify" and answer.text == ""
    assert [r["name"] for r in answer.extras["ranking"]] == ["ask_point_to_point", "ask_skills_training"]


def test_unknown_question_gets_scope_and_hotline_never_a_number(responder: PolicyResponder, kb) -> None:
    answer = responder.respond("我家的猫不吃饭怎么办", "nlu_fallback", 0.3, TODAY)
    assert answer.kind == "out_of_scope"
    assert kb.hotline.number in answer.text
    assert "元" not in answer.text


def test_out_of_scope_intent_with_strong_policy_words_answers_the_clause(responder: PolicyResponder) -> None:
    answer = responder.respond("有组织劳务输出一次性求职创业补贴", "out_of_scope", 0.9, TODAY)
    assert answer.clause.number == "十二"


def test_original_text_follows_the_last_clause(responder: PolicyResponder, kb: KnowledgeBase) -> None:
    answer = responder.respond("原文", "ask_original_text", 0.95, TODAY, last_clause_ref=f"{DOC}#七")
    assert answer.kind == "original"
    assert kb.document_by_id(DOC).clause("七").text in answer.text


def test_original_text_without_context_asks_which(responder: PolicyResponder) -> None:
    answer = responder.respond("原文", "ask_original_text", 0.95, TODAY)
    assert answer.clause is None and "哪一项" in answer.text


def test_people_in_question_get_the_standard_sum(responder: PolicyResponder) -> None:
    text = responder.respond("招了3个脱贫户以工代训补多少", "ask_work_for_training", 0.9, TODAY).text
    assert "3人 × 500元 × 6个月 = 最多9000元" in text


def test_estimate_caps_months_and_marks_upper_bounds(kb: KnowledgeBase) -> None:
    doc = kb.document_by_id(DOC)
    wft = estimate(doc.clause("一").benefit, people=3, months=8)
    assert (wft.total, wft.months) == (9000, 6) and "最长只补6个月" in wft.sentence
    assert estimate(doc.clause("一").benefit, people=2, months=4).total == 4000
    export = estimate(doc.clause("十二").benefit, people=10)
    assert export.total == 6000 and "不超过600元" in export.sentence
    with pytest.raises(ValueError):
        estimate(doc.clause("一").benefit, people=0)


def test_contact_and_responsibility_come_from_metadata(kb: KnowledgeBase) -> None:
    assert "市人力资源社会保障服务中心" in contact(kb, TODAY).text
    text = responsibility(kb, "发改局管啥", TODAY).text
    assert "发展改革部门" in text and "易地扶贫搬迁后续扶持" in text and "财政" not in text
    assert "各级财政部门" in responsibility(kb, "各部门怎么分工", TODAY).text


def test_out_of_scope_lists_what_is_covered(kb: KnowledgeBase) -> None:
    text = out_of_scope(kb).text
    assert "以工代训" in text and kb.hotline.number in text


# --- unsure messages (the fallback fired) -------------------------------------------------------------------


def _unsure(text: str, *ranked: tuple[str, float]) -> dict:
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, *({"name": n, "confidence": c} for n, c in ranked)]
    return {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "intent_ranking": ranking}


def test_an_unsure_document_question_with_a_clear_lead_is_answered(kb: KnowledgeBase, responder) -> None:
    answer = responder.respond_single(_unsure("有事该问谁呢", ("ask_contact", 0.38), ("request_human", 0.1)), TODAY)
    assert answer.kind == "contact" and kb.document(TODAY).contact_unit in answer.text


def test_an_unsure_document_question_without_a_clear_lead_is_asked_back(responder) -> None:
    answer = responder.respond_single(_unsure("有事该问谁呢", ("ask_contact", 0.3), ("request_human", 0.2)), TODAY)
    assert answer.kind == "clarify"


def test_an_unsure_how_much_without_a_head_count_gets_the_clause_rate(responder) -> None:
    parse = _unsure("招的人一个月能补多少", ("ask_work_for_training", 0.48), ("estimate_subsidy", 0.45))
    answer = responder.respond_single(parse, dt.date(2021, 10, 1))
    assert answer.kind == "clause" and answer.clause.number == "一" and "500元" in answer.text


def test_an_unsure_how_much_with_a_head_count_is_left_to_the_estimate(responder) -> None:
    parse = _unsure("招了3个人一个月能补多少", ("ask_work_for_training", 0.48), ("estimate_subsidy", 0.45))
    assert responder.respond_single(parse, dt.date(2021, 10, 1)).kind == "clarify"


@pytest.mark.parametrize("text", ["这政策管到哪一年", "这个文件有效期到什么时候"])
def test_how_long_the_document_runs_is_never_out_of_scope(kb: KnowledgeBase, responder, text: str) -> None:
    answer = responder.respond(text, "out_of_scope", 0.9, TODAY)
    assert answer.kind == "validity" and "2025年12月31日" in answer.text


def test_a_question_that_is_really_out_of_scope_stays_so(responder) -> None:
    assert responder.respond("帮我订一张去北京的机票", "out_of_scope", 0.9, TODAY).kind == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("我是易地扶贫搬迁户，能坐点对点专车吗", "ask_relocation_employment", "十三"),  # the question, not the asker
        ("我是易地扶贫搬迁户，想知道搬迁群众就业有啥安排", "ask_relocation_employment", "八"),
        ("俺是城口的脱贫户，能认定就业困难人员吗", "ask_migrant_assistance", "十"),
    ],
)
def test_who_the_asker_is_is_a_fact_not_the_question(
    responder: PolicyResponder, text: str, intent: str, expected: str
) -> None:
    assert responder.respond(text, intent, 0.9, TODAY).clause.number == expected


def test_a_multi_part_message_is_answered_in_the_order_asked(responder: PolicyResponder) -> None:
    parse = {
        "text": "我想问下中西部来临沂打工的有啥政策，另外点对点专车坐车要钱不",
        "intent": {"name": "ask_point_to_point", "confidence": 0.96},
    }
    answer = responder.respond_to_parse(parse, TODAY)
    assert answer.clause.number == "十" and "点对点" in answer.text.split("\n另外", 1)[1]


def test_a_self_description_before_two_questions_answers_the_first_first(kb: KnowledgeBase) -> None:
    """The stated category applies to both questions; the first one asked is still answered first."""
    from bot.facts import extract_facts

    responder = PolicyResponder(kb, extract_facts=extract_facts)
    parse = {
        "text": "俺是边缘户，想学门技术，学的时候有生活补贴不？另外打零工的社保补贴咋领",
        "intent": {"name": "ask_flexible_employment", "confidence": 0.9},
    }
    answer = responder.respond_to_parse(parse, TODAY)
    assert answer.clause is not None and answer.clause.number == "十四"
    assert "灵活就业" in answer.text


@pytest.fixture(scope="module")
def fact_responder(kb: KnowledgeBase) -> PolicyResponder:
    return PolicyResponder(kb, count_people=people_count, extract_facts=extract_facts)


def test_a_judgement_still_says_what_the_clause_gives(fact_responder: PolicyResponder, kb: KnowledgeBase) -> None:
    """When the whole summary does not fit, the sentence of the clause closest to the question does."""
    clause = kb.documents[0].clause("十")
    text = "我是河南的脱贫户，在临沂干活快一年了，失业登记以后算不算就业困难人员"
    answer = fact_responder.respond(text, "ask_migrant_assistance", 0.99, TODAY)
    assert answer.kind == "applied" and len(answer.text) <= 300
    assert f"政策内容：{clause.answer}" not in answer.text
    assert "纳入当地就业困难人员范围" in answer.text


def test_a_judgement_keeps_the_key_condition_when_it_fits(fact_responder: PolicyResponder, kb: KnowledgeBase) -> None:
    clause = kb.documents[0].clause("八")
    text = "我是搬迁户，政府投资的项目要留几成岗位给我们"
    answer = fact_responder.respond(text, "ask_relocation_employment", 0.99, TODAY)
    assert answer.kind == "applied"
    assert f"提醒：{clause.key_condition}" in answer.text


def test_nobody_qualifying_is_not_asked_about_months(fact_responder: PolicyResponder) -> None:
    text = "厂里新招了一个脱贫户，他在上一家单位领过以工代训补贴，这次企业还能申请吗"
    answer = fact_responder.respond(text, "ask_work_for_training", 0.99, TODAY)
    assert answer.kind == "estimate" and answer.extras["amount"] == 0
    assert "不能申请" in answer.text and "几个月" not in answer.text


def test_a_judgement_with_a_second_question_still_says_what_the_clause_gives(fact_responder: PolicyResponder) -> None:
    text = "我是易地扶贫搬迁户，搬到新社区以后就业上有啥照顾，另外公益岗合同一次签几年"
    parse = {"text": text, "intent": {"name": "ask_relocation_employment", "confidence": 0.9}}
    answer = fact_responder.respond_to_parse(parse, TODAY)
    assert answer.kind == "applied" and len(answer.text) <= 300
    assert "政策内容：" in answer.text and "另外，【" in answer.text


def test_who_is_responsible_gets_the_division_of_work(fact_responder: PolicyResponder) -> None:
    """Asked who does something a clause is about, the department's duty answers, not the clause."""
    text = "脱贫人口就业务工的动态监测归哪个部门管"
    answer = fact_responder.respond(text, "ask_employment_monitoring", 0.9, TODAY)
    assert answer.kind == "responsibility" and "乡村振兴部门" in answer.text
    plain = fact_responder.respond("脱贫人口就业务工的动态监测怎么做", "ask_employment_monitoring", 0.9, TODAY)
    assert plain.kind != "responsibility"


def test_the_group_named_picks_between_two_clauses_on_one_subject(fact_responder: PolicyResponder) -> None:
    """以工代赈 projects appear in two clauses; a question about 搬迁群众 belongs to the relocation clause."""
    text = "政府的以工代赈工程招工，是不是要给易地搬迁的群众留一部分岗位"
    answer = fact_responder.respond(text, "ask_work_relief", 0.8, TODAY)
    assert answer.clause is not None and answer.clause.number == "八"
    plain = fact_responder.respond("以工代赈工程招工，劳务报酬怎么发", "ask_work_relief", 0.8, TODAY)
    assert plain.clause is not None and plain.clause.number == "三"

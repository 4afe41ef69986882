"""The policy and handoff actions, run as the action server runs them."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.clarify import ActionClarify
from actions.handoff import ActionOfferHuman
from actions.policy import ActionAnswerPolicy


async def test_answer_sets_last_clause_and_cites(dispatcher, tracker_for, domain, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_TODAY", "2021-09-01")
    tracker = tracker_for("帮扶车间招了3个脱贫户，以工代训能补多少", "ask_work_for_training")
    events = await ActionAnswerPolicy().run(dispatcher, tracker, domain)
    assert events == [SlotSet("last_clause", "linrenshezi-2021-88#一")]
    text = dispatcher.messages[0]["text"]
    assert "3人 × 500元 × 6个月 = 最多9000元" in text
    assert "执行至2021年底" in text and "第（一）条" in text


async def test_same_question_after_the_end_date_says_it_ended(dispatcher, tracker_for, domain, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-28")
    await ActionAnswerPolicy().run(dispatcher, tracker_for("以工代训", "ask_work_for_training"), domain)
    text = dispatcher.messages[0]["text"]
    assert "已经结束" in text and "2025年12月31日截止" in text


async def test_original_text_uses_the_slot(dispatcher, tracker_for, domain) -> None:
    tracker = tracker_for("原文", "ask_original_text", slots={"last_clause": "linrenshezi-2021-88#十三"})
    await ActionAnswerPolicy().run(dispatcher, tracker, domain)
    assert "“点对点”务工便利出行服务" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("text", ["你们那边天气咋样", "帮我查下彩票"])
async def test_fallback_without_a_match_states_scope(dispatcher, tracker_for, domain, text: str) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "greet", "confidence": 0.4}]
    tracker = tracker_for(text, "nlu_fallback", confidence=0.45, ranking=ranking)
    events = await ActionAnswerPolicy().run(dispatcher, tracker, domain)
    assert events == []
    assert "12333" in dispatcher.messages[0]["text"] and "不在我能准确回答的范围" in dispatcher.messages[0]["text"]


async def test_offer_human_files_a_request_and_gives_hotline(seeded_store, dispatcher, tracker_for, domain) -> None:
    await ActionOfferHuman().run(dispatcher, tracker_for("转人工，我电话13812345678", "request_human"), domain)
    text = dispatcher.messages[0]["text"]
    assert "12333" in text and "ZR" in text


async def test_offer_human_still_gives_hotline_when_case_system_is_down(dispatcher, tracker_for, domain, monkeypatch):
    from actions import services

    monkeypatch.setenv("CASE_API_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    services.case_store.cache_clear()
    try:
        await ActionOfferHuman().run(dispatcher, tracker_for("转人工", "request_human"), domain)
    finally:
        services.case_store.cache_clear()
    text = dispatcher.messages[0]["text"]
    assert "12333" in text and "ZR" not in text


async def test_close_intents_are_offered_as_buttons(dispatcher, tracker_for, domain) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_point_to_point", "confidence": 0.41},
        {"name": "sign_up_transport", "confidence": 0.40},
        {"name": "greet", "confidence": 0.1},
        {"name": "ask_skills_training", "confidence": 0.08},
    ]
    tracker = tracker_for("那个车的事", "nlu_fallback", confidence=0.45, ranking=ranking)
    await ActionClarify().run(dispatcher, tracker, domain)
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/ask_point_to_point", "/sign_up_transport", "/ask_skills_training"]
    assert buttons[1]["title"] == "报名“点对点”专车" and buttons[0]["title"] == "提供“点对点”务工便利出行服务"


async def test_second_fallback_in_a_row_offers_a_person(seeded_store, dispatcher, tracker_for, domain, said) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "greet", "confidence": 0.3}]
    tracker = tracker_for("嗯嗯那个啥", "nlu_fallback", confidence=0.45, ranking=ranking)
    earlier = {"event": "user", "text": "呃", "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.4}}}
    tracker.events = [earlier, {"event": "user", "text": "嗯嗯那个啥", "parse_data": tracker.latest_message}]
    await ActionClarify().run(dispatcher, tracker, domain)
    text = "\n".join(said(dispatcher))
    assert "没能理解" in text and "12333" in text and "ZR" in text

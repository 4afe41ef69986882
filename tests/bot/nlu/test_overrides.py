"""The text decides the intent of clause lookups and of symbol-only messages."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.overrides import CHITCHAT_INTENT, CLAUSE_INTENT, MessageKindOverrides, only_symbols, override_intent


def _parsed(text: str, intent: str) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.7}, "intent_ranking": []})


@pytest.mark.parametrize("text", ["😀😀", "👍", "？？", "[微笑]", "/:strong", "🙏 🙏"])
def test_symbols_only(text: str) -> None:
    assert only_symbols(text)


@pytest.mark.parametrize("text", ["", "好", "666", "第十条", "ok"])
def test_not_symbols_only(text: str) -> None:
    assert not only_symbols(text)


@pytest.mark.parametrize(
    ("text", "predicted", "expected"),
    [
        ("第12条说的啥", "request_human", CLAUSE_INTENT),
        ("第（十）条原文", "ask_original_text", None),  # a policy intent is kept: the answer looks the clause up
        ("条款十二", "nlu_fallback", CLAUSE_INTENT),
        ("😀", "request_human", CHITCHAT_INTENT),
        ("我要报名第十三条的点对点专车", "sign_up_transport", None),  # a service request keeps its intent
        ("公益岗签几年", "ask_public_welfare_post", None),
    ],
)
def test_override(text: str, predicted: str, expected: str | None) -> None:
    assert override_intent(_parsed(text, predicted)) == expected


def test_component_sets_intent_and_ranking() -> None:
    message = _parsed("第12条说的啥", "request_human")
    MessageKindOverrides().process([message])
    assert message.get("intent")["name"] == CLAUSE_INTENT
    assert message.get("intent_ranking")[0]["name"] == CLAUSE_INTENT


@pytest.mark.parametrize(
    ("text", "predicted", "expected"),
    [
        ("我先问一下 登记了要交钱不？", "stop", "out_of_scope"),
        ("等等，登记要收费吗", "deny", "out_of_scope"),
        ("算了不办了", "stop", None),
        ("不用了", "deny", None),
        # "才行" / "可以" end many questions; a question clearly about a clause is not a yes.
        ("乡村公益性岗位的聘任标准要统一到啥程度才行", "affirm", "out_of_scope"),
        ("人力资源服务协作体每个县要设几个才可以", "affirm", "out_of_scope"),
        ("行，就这么办吧", "affirm", None),
        ("可以吗", "affirm", None),
        ("这样填行不行", "affirm", None),  # a question, but about no clause: a yes in a form
    ],
)
def test_a_question_is_not_a_stop(text: str, predicted: str, expected: str | None) -> None:
    assert override_intent(_parsed(text, predicted)) == expected


@pytest.mark.parametrize(
    ("text", "predicted", "expected"),
    [
        ("喂喂能听见不俺想问那个公益岗一次签几年啊", "greet", "out_of_scope"),
        ("喂 能听到吗 点对点专车要钱不", "greet", "out_of_scope"),
        ("喂喂能听见不", "greet", None),  # only noise: a greeting it is
        ("你好", "greet", None),
        ("你好，请问公益岗签几年", "greet", None),  # no call noise: the classifier's guess stands
    ],
)
def test_a_question_behind_call_noise_is_not_a_greeting(text: str, predicted: str, expected: str | None) -> None:
    assert override_intent(_parsed(text, predicted)) == expected


@pytest.mark.parametrize(
    ("text", "laughter"), [("呵呵呵", True), ("嘎嘎", True), ("hhhhh", True), ("哈哈 有意思", False)]
)
def test_laughter_alone_is_small_talk(text: str, laughter: bool) -> None:
    from bot.nlu.overrides import only_laughter

    assert only_laughter(text) is laughter
    message = Message(data={"text": text, "intent": {"name": "ask_capabilities", "confidence": 0.6}})
    assert (override_intent(message) == CHITCHAT_INTENT) is laughter


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("对面回我的是程序吗", True),
        ("你到底是机器还是人", True),
        ("转人工", False),
        ("我要找个真人说", False),
        ("你是机器人吧 给我转人工", False),
    ],
)
def test_asking_what_the_assistant_is_is_not_asking_for_a_person(text: str, question: bool) -> None:
    message = Message(data={"text": text, "intent": {"name": "request_human", "confidence": 0.7}})
    assert (override_intent(message) == "ask_bot_identity") is question


@pytest.mark.parametrize(
    ("text", "predicted", "expected"),
    [
        ("报的专车我不坐了 给我取消", "sign_up_transport", "cancel_request"),
        ("登记帮我撤回", "register_job_seeking", "cancel_request"),
        ("我要报名点对点专车", "sign_up_transport", None),
    ],
)
def test_a_cancel_word_never_starts_the_sign_up(text: str, predicted: str, expected: str | None) -> None:
    message = Message(data={"text": text, "intent": {"name": predicted, "confidence": 0.8}})
    assert override_intent(message) == expected

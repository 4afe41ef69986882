"""Never stuck in forms, and the training and subsidy applications, against a real SQLite case database."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import services
from actions.applications import (
    ActionAskSubsidyConfirmed,
    ActionAskTrainingConfirmed,
    ActionSubmitSubsidy,
    ActionSubmitTraining,
    ValidateSubsidyForm,
)
from actions.never_stuck import MAX_INVALID, route
from actions.status import ValidateStatusForm
from actions.transport import ActionSubmitTransport
from policy_kb.answer import PolicyResponder
from policy_kb.model import KnowledgeBase

WANG_FANG = "371302198503120427"
ZHAO_XIULAN = "371324197809260442"  # employed by the workshop with 以工代训, but already received it
WORKSHOP = ("91371324MA3CDEM038", "0101")
AGENCY = ("91371311MA3CDEM04G", "0201")
LIU_YANG = "371325198801150012"  # placed by the agency outside his county, 12 months


def parse(text: str, intent: str, confidence: float = 0.95) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


@pytest.fixture(scope="module")
def responder(kb: KnowledgeBase) -> PolicyResponder:
    return PolicyResponder(kb)


@pytest.mark.parametrize(
    ("message", "form", "slot", "value_ok", "expected"),
    [
        (parse("我先查一下进度", "check_status"), "job_seeking_form", "id_number", False, "switch"),
        (parse("查进度", "check_status"), "status_form", "id_number", False, "invalid"),  # the same service
        (parse(WANG_FANG, "check_status"), "job_seeking_form", "id_number", True, "value"),
        (parse("我要查进度", "check_status"), "training_form", "course", True, "switch"),  # free text
        (parse("电工", "inform"), "training_form", "course", True, "value"),
        (parse("公益岗合同签几年", "ask_public_welfare_post"), "status_form", "id_number", False, "question"),
        (parse("现在有什么新政策", "ask_current_policy"), "subsidy_form", "credit_code", False, "question"),
        (parse("我们厂能享受啥", "ask_employer_overview"), "eligibility_form", "id_number", False, "question"),
        (parse("帮我订机票", "out_of_scope"), "job_seeking_form", "id_number", False, "out_of_scope"),
        (parse("帮我订机票", "out_of_scope", 0.5), "job_seeking_form", "id_number", False, "invalid"),
        # No valid answer and plainly a question: answered (or told what is covered) even when the NLU is unsure.
        (parse("单位能享受哪些政策", "ask_employer_overview", 0.45), "subsidy_form", "credit_code", False, "question"),
        (
            parse("扶贫车间吸纳脱贫户有没有补贴", "ask_work_for_training", 0.55),
            "job_seeking_form",
            "county",
            False,
            "question",
        ),
        (parse("后天会下雪吗", "out_of_scope", 0.6), "status_form", "phone_check", False, "out_of_scope"),
        (parse("能帮我叫个出租车吗", "nlu_fallback", 0.4), "employer_form", "credit_code", False, "out_of_scope"),
        (parse("你们几点下班啊", "ask_work_for_training", 0.3), "status_form", "id_number", False, "invalid"),
        (parse("罗庄区吗", "inform", 0.5), "job_seeking_form", "county", True, "value"),
        (parse("我先查一下进度", "check_status", 0.5), "job_seeking_form", "id_number", False, "invalid"),
        # a wall of text is too long to be an answer or a request, whatever the classifier made of it
        (parse("测" * 2000, "estimate_subsidy"), "job_seeking_form", "person_name", False, "invalid"),
    ],
)
def test_route(responder, message, form: str, slot: str, value_ok: bool, expected: str) -> None:
    kind, switch = route(responder, message, form, slot, value_ok)
    assert kind == expected
    assert (switch is not None) == (expected == "switch")


def _tracker(text: str, intent: str, slot: str, value: Any, form: str, slots: dict[str, Any] | None = None) -> Tracker:
    message = parse(text, intent)
    return Tracker(
        sender_id="t",
        slots={"requested_slot": slot, slot: value, **(slots or {})},
        latest_message=message,
        events=[
            {"event": "user", "text": text, "parse_data": message},
            {"event": "slot", "name": slot, "value": value},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )


async def test_another_service_ends_the_form_and_starts_that_one(dispatcher, domain) -> None:
    tracker = _tracker("我想先登记找工作", "register_job_seeking", "id_number", "我想先登记找工作", "status_form")
    events = await ValidateStatusForm().run(dispatcher, tracker, domain)
    assert {"event": "followup", "name": "job_seeking_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "followup"
    ]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["requested_slot"] is None and slots["id_number"] is None
    assert "_switch_to_form" not in slots
    assert "先停下“办理进度查询”" in dispatcher.messages[0]["text"] and "没有保存" in dispatcher.messages[0]["text"]


async def test_third_invalid_answer_offers_the_ways_out(dispatcher, domain, tracker_for) -> None:
    form = ValidateStatusForm()
    state: Any = None
    for attempt in range(1, MAX_INVALID + 1):
        tracker = tracker_for("不知道", "inform", 0.3, slots={"invalid_answers": state}, active_loop="status_form")
        result = await form.validate_id_number("不知道", dispatcher, tracker, domain)
        state = result["invalid_answers"]
        assert result["id_number"] is None and state == {"slot": "id_number", "count": attempt}
    first, _, third = dispatcher.messages
    assert "算了" not in first["text"] and not first.get("buttons")
    assert "连续3次" in third["text"] and "转人工" in third["text"] and "12333" in third["text"]
    assert [b["payload"] for b in third["buttons"]] == ["/stop", "/request_human"]
    # a valid answer resets the count
    tracker = tracker_for(WANG_FANG, "inform", slots={"invalid_answers": state}, active_loop="status_form")
    assert (await form.validate_id_number(WANG_FANG, dispatcher, tracker, domain))["invalid_answers"] is None


async def test_training_summary_explains_clause_14_and_is_saved_once(
    seeded_store, tracker_for, dispatcher, domain, kb
) -> None:
    slots = {"verified_id_number": WANG_FANG, "course": "电工", "training_confirmed": True}
    # the form proved the identity earlier in the conversation (the case store demands it)
    proof = services.access_for(tracker_for("0001", "inform"), "技能培训报名")
    assert seeded_store.verify_person(WANG_FANG, "0001", access=proof) is not None
    await ActionAskTrainingConfirmed().run(dispatcher, tracker_for("电工", "inform", slots=slots), domain)
    summary = dispatcher.messages[0]["text"]
    clause = kb.clause_for_topic("skills_training", kb.documents[0].issued)
    assert clause.answer in summary and clause.citation in summary and WANG_FANG not in summary
    for _ in range(2):
        await ActionSubmitTraining().run(dispatcher, tracker_for("确认", "affirm", slots=slots), domain)
    assert "已为您报名" in dispatcher.messages[1]["text"] and "没有重复报名" in dispatcher.messages[2]["text"]
    items = [i for i in seeded_store.get_status(WANG_FANG, access=proof) if i.kind == "training_enrolment"]
    assert len(items) == 1 and items[0].reference in dispatcher.messages[1]["text"]


async def test_after_the_end_no_subsidy_application_is_taken(
    seeded_store, tracker_for, dispatcher, domain, monkeypatch
) -> None:
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-28")
    tracker = tracker_for(AGENCY[1], "inform", slots={"credit_code": AGENCY[0]}, active_loop="subsidy_form")
    result = await ValidateSubsidyForm().validate_org_phone(AGENCY[1], dispatcher, tracker, domain)
    assert result["requested_slot"] is None and result["org_phone"] is None
    assert "2025年12月31日截止" in dispatcher.messages[0]["text"]


async def test_a_verified_agency_applies_for_a_qualifying_placement(
    seeded_store, tracker_for, dispatcher, domain, monkeypatch
) -> None:
    monkeypatch.setenv("ASSISTANT_TODAY", "2021-11-15")
    form = ValidateSubsidyForm()
    tracker = tracker_for(AGENCY[1], "inform", slots={"credit_code": AGENCY[0]}, active_loop="subsidy_form")
    result = await form.validate_org_phone(AGENCY[1], dispatcher, tracker, domain)
    assert result == {"org_phone": AGENCY[1], "subsidy_kind": "labor_export_subsidy", "invalid_answers": None}
    required = await form.required_slots(
        ["credit_code", "org_phone", "subsidy_person", "subsidy_months", "subsidy_confirmed"],
        dispatcher,
        tracker_for("", "inform", slots={"subsidy_kind": "labor_export_subsidy"}),
        domain,
    )
    assert "subsidy_months" not in required  # a one-off subsidy
    slots = {"credit_code": AGENCY[0], "subsidy_kind": "labor_export_subsidy"}
    person = await form.validate_subsidy_person(
        LIU_YANG, dispatcher, tracker_for(LIU_YANG, "inform", slots=slots), domain
    )
    assert person["subsidy_person"] == LIU_YANG
    slots = {**slots, "subsidy_person": LIU_YANG, "subsidy_confirmed": True}
    await ActionAskSubsidyConfirmed().run(dispatcher, tracker_for("", "inform", slots=slots), domain)
    assert "不超过600元" in dispatcher.messages[-1]["text"] and "第（十二）条" in dispatcher.messages[-1]["text"]
    await ActionSubmitSubsidy().run(dispatcher, tracker_for("确认", "affirm", slots=slots), domain)
    # the demo data already hold an open application for this person: it is returned, not duplicated
    assert "没有重复提交" in dispatcher.messages[-1]["text"]
    assert len(seeded_store.get_organisation_status(AGENCY[0])) == 1


async def test_a_person_excluded_by_the_clause_is_refused(seeded_store, tracker_for, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2021-11-15")
    slots = {"credit_code": WORKSHOP[0], "subsidy_kind": "work_for_training"}
    tracker = tracker_for(ZHAO_XIULAN, "inform", slots=slots, active_loop="subsidy_form")
    result = await ValidateSubsidyForm().validate_subsidy_person(ZHAO_XIULAN, dispatcher, tracker, domain)
    assert result["subsidy_person"] is None and result["requested_slot"] is None
    assert "不符合申请条件" in dispatcher.messages[0]["text"] and "以工代训" in dispatcher.messages[0]["text"]


async def test_someone_not_on_the_organisations_books_is_asked_again(
    seeded_store, tracker_for, dispatcher, domain, monkeypatch
):
    monkeypatch.setenv("ASSISTANT_TODAY", "2021-11-15")
    slots = {"credit_code": WORKSHOP[0], "subsidy_kind": "work_for_training"}
    tracker = tracker_for(WANG_FANG, "inform", slots=slots, active_loop="subsidy_form")
    result = await ValidateSubsidyForm().validate_subsidy_person(WANG_FANG, dispatcher, tracker, domain)
    assert result == {"subsidy_person": None}
    assert "没有这位人员" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("action", "table", "slots", "asked_again", "done"),
    [
        (ActionSubmitTraining, "training_enrolments", {"course": "电工", "training_confirmed": True},
         "training_confirmed", "已为您报名"),
        (ActionSubmitTransport, "transport_requests",
         {"destination": "江苏昆山", "departure_date": "2026-12-20", "party_size": 2}, "party_size", "已为您报名"),
    ],
)  # fmt: skip
async def test_a_submission_while_the_case_system_is_down_keeps_the_answers_and_can_be_retried(
    seeded_store, tracker_for, dispatcher, domain, action, table, slots, asked_again, done
) -> None:
    from rasa_sdk.events import FollowupAction, SlotSet
    from sqlalchemy import text

    slots = {"verified_id_number": WANG_FANG, **slots}
    proof = services.access_for(tracker_for("0001", "inform"), "核对身份")
    assert seeded_store.verify_person(WANG_FANG, "0001", access=proof) is not None
    with seeded_store.engine.begin() as conn:  # the table disappears: the write cannot be made
        conn.execute(text(f"ALTER TABLE {table} RENAME TO away_for_maintenance"))
    events = await action().run(dispatcher, tracker_for("确认", "affirm", slots=slots), domain)
    assert "都已保留" in dispatcher.messages[-1]["text"]
    form = {"training_enrolments": "training_form", "transport_requests": "transport_form"}[table]
    assert events == [SlotSet(asked_again, None), FollowupAction(form)]  # the other answers are kept
    with seeded_store.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE away_for_maintenance RENAME TO {table}"))
    await action().run(dispatcher, tracker_for("重试", "inform", slots=slots), domain)
    assert done in dispatcher.messages[-1]["text"]

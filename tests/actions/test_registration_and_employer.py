"""Registration, estimate and correction actions with tracker fixtures and a real SQLite case database."""

from __future__ import annotations

import pytest
from people import REGISTRATION_SLOTS

from actions.employer import ActionShowEstimate, ValidateEstimateForm, subsidy_kind_of
from actions.forms import FORM_SLOTS, ActionStopForm
from actions.registration import ActionSubmitRegistration, ValidateJobSeekingForm
from bot.cases.records import AccessContext

NEW_PERSON = REGISTRATION_SLOTS
ACCESS = AccessContext(conversation_id="t", channel="test", purpose="test", actor="case-worker")


async def test_confirmed_registration_is_saved_once_and_updated_after(seeded_store, tracker_for, dispatcher, domain):
    await ActionSubmitRegistration().run(dispatcher, tracker_for("确认", "affirm", slots=NEW_PERSON), domain)
    assert "已登记" in dispatcher.messages[0]["text"]
    await ActionSubmitRegistration().run(
        dispatcher, tracker_for("确认", "affirm", slots={**NEW_PERSON, "work_wanted": "保洁"}), domain
    )
    assert "已更新您原有的求职登记" in dispatcher.messages[1]["text"]
    items = seeded_store.get_status(NEW_PERSON["id_number"], access=ACCESS)
    assert [item.kind for item in items] == ["registration"]


async def test_someone_elses_id_is_refused_without_saving(seeded_store, tracker_for, dispatcher, domain):
    impostor = {**NEW_PERSON, "id_number": "371302198503120427", "person_name": "冒名者", "phone": "13900000000"}
    await ActionSubmitRegistration().run(dispatcher, tracker_for("确认", "affirm", slots=impostor), domain)
    assert "无法完成登记" in dispatcher.messages[0]["text"]
    assert [i.kind for i in seeded_store.get_status("371302198503120427", access=ACCESS)] == []


@pytest.mark.parametrize("confirmed", [None, False])
async def test_unconfirmed_registration_saves_nothing_and_forgets_the_answers(
    seeded_store, tracker_for, dispatcher, domain, confirmed
):
    slots = {**NEW_PERSON, "registration_confirmed": confirmed}
    events = await ActionSubmitRegistration().run(dispatcher, tracker_for("算了", "stop", slots=slots), domain)
    assert seeded_store.find_person(NEW_PERSON["id_number"], access=ACCESS) is None
    assert dispatcher.messages == []
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"id_number", "phone", "person_name", "registration_confirmed"} <= cleared
    assert not any(e["event"] == "slot" and e["name"] == "verified_id_number" for e in events)


async def test_stopping_the_form_says_so_and_clears_every_answer(tracker_for, dispatcher, domain):
    events = await ActionStopForm().run(dispatcher, tracker_for("算了", "stop", slots=NEW_PERSON), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_form_stopped"]
    said = domain["responses"]["utter_form_stopped"][0]["text"]
    assert "已停止办理" in said and "没有保存" in said
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == dict.fromkeys(FORM_SLOTS)


async def test_correction_at_confirmation_changes_one_field(tracker_for, dispatcher, domain):
    tracker = tracker_for("县区改成费县", "inform", slots={**NEW_PERSON, "registration_confirmed": None})
    result = await ValidateJobSeekingForm().validate_registration_confirmed("县区改成费县", dispatcher, tracker, domain)
    assert result == {"county": "费县", "registration_confirmed": None}


async def test_bad_correction_reasks_and_changes_nothing(tracker_for, dispatcher, domain):
    tracker = tracker_for("手机号改成123", "inform", slots={**NEW_PERSON, "registration_confirmed": None})
    result = await ValidateJobSeekingForm().validate_registration_confirmed(
        "手机号改成123", dispatcher, tracker, domain
    )
    assert result == {"registration_confirmed": None}
    assert "手机" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("帮扶车间招了3个人", "work_for_training"), ("我们人力公司输出了10个人", "labor_export_subsidy"), ("你好", None)],
)
def test_subsidy_kind(text: str, kind: str | None) -> None:
    assert subsidy_kind_of(text) == kind


async def test_estimate_form_needs_no_months_for_one_off_subsidies(tracker_for, dispatcher, domain):
    tracker = tracker_for("劳务输出", "inform", slots={"subsidy_kind": "labor_export_subsidy"})
    slots = await ValidateEstimateForm().required_slots(
        ["subsidy_kind", "people_count", "subsidy_months"], dispatcher, tracker, domain
    )
    assert slots == ["subsidy_kind", "people_count"]


@pytest.mark.parametrize(
    ("today", "slots", "expected", "absent"),
    [
        ("2021-10-01", {"subsidy_kind": "work_for_training", "people_count": 3, "subsidy_months": 4},
         "3人 × 500元 × 4个月 = 6000元", "已经结束"),
        ("2026-11-28", {"subsidy_kind": "work_for_training", "people_count": 3, "subsidy_months": 8},
         "3人 × 500元 × 6个月 = 9000元（干了8个月，最长只补6个月）", None),
        ("2024-06-01", {"subsidy_kind": "labor_export_subsidy", "people_count": 10},
         "10人 × 不超过600元 = 最多6000元", "已经结束"),
    ],
)  # fmt: skip
async def test_estimate_from_kb_with_date(tracker_for, dispatcher, domain, monkeypatch, today, slots, expected, absent):
    monkeypatch.setenv("ASSISTANT_TODAY", today)
    await ActionShowEstimate().run(dispatcher, tracker_for("算", "inform", slots=slots), domain)
    text = dispatcher.messages[0]["text"]
    assert expected in text and "依据：临人社字〔2021〕88号" in text
    if absent:
        assert absent not in text
    else:
        assert "2021年底" in text and "已经结束" in text


async def test_case_store_down_at_submission_keeps_every_answer_and_retry_submits(
    seeded_store, tracker_for, dispatcher, domain
):
    from rasa_sdk.events import FollowupAction, SlotSet
    from sqlalchemy import text

    from actions.base import RETRY_HINT

    with seeded_store.engine.begin() as conn:  # the table disappears: the database is unusable for the write
        conn.execute(text("ALTER TABLE job_seeking_registrations RENAME TO away_for_maintenance"))
    events = await ActionSubmitRegistration().run(dispatcher, tracker_for("确认", "affirm", slots=NEW_PERSON), domain)
    assert RETRY_HINT in dispatcher.messages[0]["text"]
    assert events == [SlotSet("registration_confirmed", None), FollowupAction("job_seeking_form")]  # nothing cleared

    with seeded_store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE away_for_maintenance RENAME TO job_seeking_registrations"))
    pending = {**NEW_PERSON, "registration_confirmed": None, "requested_slot": "registration_confirmed"}
    confirmed = await ValidateJobSeekingForm().validate_registration_confirmed(
        "重试", dispatcher, tracker_for("重试", "inform", slots=pending), domain
    )
    assert confirmed == {"registration_confirmed": True}
    await ActionSubmitRegistration().run(dispatcher, tracker_for("重试", "inform", slots=NEW_PERSON), domain)
    assert "已登记" in dispatcher.messages[-1]["text"]


async def test_stopping_a_form_with_answers_asks_first_and_keeps_the_form(tracker_for, dispatcher, domain):
    tracker = tracker_for("算了", "stop", slots=NEW_PERSON)
    tracker.events = [
        {"event": "active_loop", "name": "job_seeking_form"},
        {"event": "slot", "name": "requested_slot", "value": "wants_training"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]
    events = await ActionStopForm().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_confirm_stop"]
    assert dispatcher.messages[0]["answered"] >= 5
    assert (events[0]["event"], events[0]["name"]) == ("active_loop", "job_seeking_form")  # form goes on
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == {
        "requested_slot": "wants_training",
        "stop_pending": True,
    }
    # The same stop from the ways-out button, or once confirmed, stops at once.
    for text, slots in (("/stop", NEW_PERSON), ("算了", {**NEW_PERSON, "stop_pending": True})):
        stopped = tracker_for(text, "stop", slots=slots)
        stopped.events = tracker.events
        events = await ActionStopForm().run(dispatcher, stopped, domain)
        assert dispatcher.messages[-1]["response"] == "utter_form_stopped"
        assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == dict.fromkeys(FORM_SLOTS)

"""Identity checks, status and eligibility actions against a real seeded SQLite case database."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.status import ActionShowEligibility, ActionShowStatus, ValidateStatusForm

WANG_FANG = ("371302198503120427", "17000000001")
LI_QIANG = ("371321199207081535", "17000000002")


async def _check_phone(tracker_for, dispatcher, domain, id_number: str, phone: str, failures: int = 0):
    tracker = tracker_for(
        phone,
        "inform",
        slots={
            "id_number": id_number,
            "phone_check": phone,
            "verification_failures": failures,
            "requested_slot": "phone_check",
        },
        active_loop="status_form",
    )
    return await ValidateStatusForm().validate_phone_check(phone, dispatcher, tracker, domain)


async def test_right_phone_or_last_four_verifies(seeded_store, tracker_for, dispatcher, domain) -> None:
    for phone in (LI_QIANG[1], LI_QIANG[1][-4:]):
        result = await _check_phone(tracker_for, dispatcher, domain, LI_QIANG[0], phone)
        assert result["verified_id_number"] == LI_QIANG[0]


async def test_wrong_phone_and_unknown_id_answer_alike(seeded_store, tracker_for, dispatcher, domain) -> None:
    wrong = await _check_phone(tracker_for, dispatcher, domain, LI_QIANG[0], "9999")
    unknown = await _check_phone(tracker_for, dispatcher, domain, "37132819900101901X", "9999")
    assert wrong == unknown == {"id_number": None, "phone_check": None, "verification_failures": 1}
    assert dispatcher.messages[0]["text"] == dispatcher.messages[1]["text"]
    assert "核对不上" in dispatcher.messages[0]["text"]
    entries = seeded_store.audit_entries(LI_QIANG[0])
    assert any("fail" in entry.action for entry in entries)  # failed tries are audited too


async def test_third_failure_ends_the_form(seeded_store, tracker_for, dispatcher, domain) -> None:
    result = await _check_phone(tracker_for, dispatcher, domain, LI_QIANG[0], "9999", failures=2)
    assert result["requested_slot"] is None and result["verification_failures"] == 3
    assert "连续3次" in dispatcher.messages[0]["text"]


async def test_status_only_for_the_verified_owner(seeded_store, tracker_for, dispatcher, domain) -> None:
    unverified = tracker_for("查进度", "check_status")
    await ActionShowStatus().run(dispatcher, unverified, domain)
    assert dispatcher.messages == []
    proof = await _check_phone(tracker_for, dispatcher, domain, LI_QIANG[0], LI_QIANG[1][-4:])
    verified = tracker_for("0002", "inform", slots={"verified_id_number": proof["verified_id_number"]})
    events = await ActionShowStatus().run(dispatcher, verified, domain)
    text = dispatcher.messages[0]["text"]
    assert "求职登记" in text and "“点对点”出行申请" in text and "DJ" in text
    assert SlotSet("id_number", None) in events


async def test_eligibility_for_a_verified_person(seeded_store, tracker_for, dispatcher, domain, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_TODAY", "2024-06-01")
    await _check_phone(tracker_for, dispatcher, domain, WANG_FANG[0], WANG_FANG[1])
    tracker = tracker_for("0001", "inform", slots={"verified_id_number": WANG_FANG[0]})
    await ActionShowEligibility().run(dispatcher, tracker, domain)
    text = dispatcher.messages[0]["text"]
    lines = text.splitlines()
    # 王芳 is 脱贫享受政策人口 and not employed: 以工代赈 applies, 灵活就业 (for flexible workers) does not.
    assert any(line.startswith("✔ 第（三）条") for line in lines)
    assert any(line.startswith("？第（十三）条") for line in lines)
    assert "第（二）条" in next(line for line in lines if line.startswith("不适用："))
    assert len(text) <= 300
    assert "12333" in lines[-1]

"""Cancelling from the chat against a real seeded SQLite case database: owner only, confirmed, store updated."""

from __future__ import annotations

import pytest

from actions.cancel import ActionAskCancelConfirmed, ActionSubmitCancel, cancel_kind_of
from bot.cases.records import AccessContext

LI_QIANG = "371321199207081535"  # demo: a 点对点 request, approved
ACCESS = AccessContext(conversation_id="t", channel="test", purpose="test")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我想取消点对点报名", "transport_request"),
        ("取消我的求职登记", "registration"),
        ("培训报名取消", "training_enrolment"),
    ],
)
def test_kind_of_the_request(text: str, kind: str) -> None:
    assert cancel_kind_of(text) == kind


async def test_confirmed_cancel_changes_the_status(seeded_store, tracker_for, dispatcher, domain) -> None:
    slots = {"verified_id_number": LI_QIANG, "cancel_kind": "transport_request"}
    events = await ActionAskCancelConfirmed().run(dispatcher, tracker_for("是", "affirm", slots=slots), domain)
    reference = next(e["value"] for e in events if e.get("name") == "cancel_reference")
    assert reference.startswith("DD") and "确认取消吗" in dispatcher.messages[0]["text"]
    slots |= {"cancel_reference": reference, "cancel_confirmed": True}
    await ActionSubmitCancel().run(dispatcher, tracker_for("是", "affirm", slots=slots), domain)
    assert "已取消" in dispatcher.messages[-1]["text"]
    item = next(i for i in seeded_store.get_status(LI_QIANG, access=ACCESS) if i.reference == reference)
    assert item.status == "cancelled"


async def test_no_means_nothing_changes(seeded_store, tracker_for, dispatcher, domain) -> None:
    slots = {"verified_id_number": LI_QIANG, "cancel_kind": "transport_request"}
    events = await ActionAskCancelConfirmed().run(dispatcher, tracker_for("不", "deny", slots=slots), domain)
    reference = next(e["value"] for e in events if e.get("name") == "cancel_reference")
    slots |= {"cancel_reference": reference, "cancel_confirmed": False}
    await ActionSubmitCancel().run(dispatcher, tracker_for("不", "deny", slots=slots), domain)
    assert "没有取消" in dispatcher.messages[-1]["text"]
    item = next(i for i in seeded_store.get_status(LI_QIANG, access=ACCESS) if i.reference == reference)
    assert item.status != "cancelled"


async def test_nothing_open_is_said_so(seeded_store, tracker_for, dispatcher, domain) -> None:
    slots = {"verified_id_number": "371302198503120427", "cancel_kind": "transport_request"}  # 王芳: no trip
    events = await ActionAskCancelConfirmed().run(
        dispatcher, tracker_for("取消", "cancel_request", slots=slots), domain
    )
    assert "没有找到" in dispatcher.messages[0]["text"]
    assert any(e.get("name") == "cancel_confirmed" and e.get("value") is False for e in events)

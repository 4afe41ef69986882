"""Cancelling from the chat against a real seeded SQLite case database: owner only, confirmed, store updated."""

from __future__ import annotations

import pytest

from actions.cancel import ActionAskCancelConfirmed, ActionSubmitCancel, cancel_kind_of, open_item
from bot.cases.records import AccessContext

LI_QIANG = "371321199207081535"  # demo: a 点对点 request, approved
ACCESS = AccessContext(conversation_id="t", channel="test", purpose="test")


def _proved(store, tracker, id_number: str, phone_last4: str):
    """The person proves the ID and phone in this conversation, as the identity form does."""
    from actions import services

    assert store.verify_person(id_number, phone_last4, access=services.access_for(tracker, "核对身份")) is not None
    return tracker


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
    tracker = _proved(seeded_store, tracker_for("是", "affirm", slots=slots), LI_QIANG, "0002")
    events = await ActionAskCancelConfirmed().run(dispatcher, tracker, domain)
    reference = next(e["value"] for e in events if e.get("name") == "cancel_reference")
    assert reference.startswith("DD") and "确认取消吗" in dispatcher.messages[0]["text"]
    slots |= {"cancel_reference": reference, "cancel_confirmed": True}
    await ActionSubmitCancel().run(dispatcher, tracker_for("是", "affirm", slots=slots), domain)
    assert "已取消" in dispatcher.messages[-1]["text"]
    item = next(i for i in _status(seeded_store, tracker) if i.reference == reference)
    assert item.status == "cancelled"


async def test_no_means_nothing_changes(seeded_store, tracker_for, dispatcher, domain) -> None:
    slots = {"verified_id_number": LI_QIANG, "cancel_kind": "transport_request"}
    tracker = _proved(seeded_store, tracker_for("不", "deny", slots=slots), LI_QIANG, "0002")
    events = await ActionAskCancelConfirmed().run(dispatcher, tracker, domain)
    reference = next(e["value"] for e in events if e.get("name") == "cancel_reference")
    slots |= {"cancel_reference": reference, "cancel_confirmed": False}
    await ActionSubmitCancel().run(dispatcher, tracker_for("不", "deny", slots=slots), domain)
    assert "没有取消" in dispatcher.messages[-1]["text"]
    item = next(i for i in _status(seeded_store, tracker) if i.reference == reference)
    assert item.status != "cancelled"


def test_only_open_items_of_the_kind_are_offered() -> None:
    import datetime as dt

    from bot.cases.records import StatusItem

    now = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    done = StatusItem("transport_request", "DD1", "cancelled", "江苏昆山", now, now)
    live = StatusItem("registration", "DJ1", "in_review", "电工", now, now)
    assert open_item([done, live], "transport_request") is None  # nothing to cancel: said so, not 好的
    assert open_item([done, live], "registration") is live
    assert open_item([done, live], None) is live


def _status(store, tracker):
    from actions import services

    return store.get_status(LI_QIANG, access=services.access_for(tracker, "查询办理进度"))

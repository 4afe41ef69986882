"""Which change a message asks for: a trip to another day, or the registration."""

from __future__ import annotations

import pytest

from actions.change import ValidateChangeForm, is_registration_change


@pytest.mark.parametrize(
    ("text", "registration"),
    [
        ("我登记的工作想改成保洁", True),
        ("登记改成本地", True),
        ("培训那项改成要参加", True),
        ("改成初十走", False),
        ("点对点改期", False),
        ("出行日期改成3月2日", False),
        ("登记的专车日期改一下", False),  # a trip, even when the word 登记 is used
    ],
)
def test_registration_or_trip(text: str, registration: bool) -> None:
    assert is_registration_change(text) is registration


async def test_a_registration_change_goes_on_in_the_registration_form(tracker_for, dispatcher, domain) -> None:
    events = await ValidateChangeForm().run(dispatcher, tracker_for("我登记的工作想改成保洁", "change_request"), domain)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["registration_change"] == "我登记的工作想改成保洁" and slots["requested_slot"] is None
    assert events[-1] == {"event": "followup", "name": "job_seeking_form", "timestamp": None}
    assert "修改求职登记" in dispatcher.messages[0]["text"]

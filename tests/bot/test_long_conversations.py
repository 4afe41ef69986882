"""A long conversation continues in new Rasa sessions (bot/rasa_runtime/session_rollover.py) without losing a thing.

Real model, action server and tracker store through REST; the whole history read back through Rasa's HTTP API.
"""

from __future__ import annotations

import requests

from bot.channels.rest import conversation_id

LI_QIANG = ("371321199207081535", "17000000002")  # demo person (bot/cases/demo_data.yml)
QUESTIONS = ("公益岗合同签几年", "帮扶车间招脱贫户有补贴吗", "这个政策还有效吗", "谢谢")


def _events(servers, sender: str) -> list[dict]:
    response = requests.get(
        f"{servers.rasa}/conversations/{conversation_id(sender)}/tracker",
        params={"token": servers.token, "include_events": "ALL"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["events"]


def test_a_form_across_the_session_limit_finishes_and_the_verified_owner_is_remembered(servers) -> None:
    sender = "long-1"
    for n in range(8):
        assert servers.say(sender, QUESTIONS[n % len(QUESTIONS)])
    # The sign-up form starts at turn 9 and runs past turn 10: a session never ends inside a form.
    servers.say_all(sender, "我要报名点对点专车", LI_QIANG[0], "0002", "浙江义乌", "正月初十")
    done = servers.say(sender, "一个人")
    assert "DD" in done and "1人" in done
    reference = done[done.index("DD") : done.index("DD") + 17]
    for n in range(3):
        assert servers.say(sender, QUESTIONS[n])
    # Verified earlier in the conversation, before the session was continued: straight to the confirmation.
    ask = servers.say(sender, "我想取消点对点报名")
    assert "确认取消吗" in ask and reference in ask
    assert "已取消" in servers.say(sender, "是")

    events = _events(servers, sender)
    starts = [e for e in events if e["event"] == "session_started"]
    continued = [e for e in starts if (e.get("metadata") or {}).get("session_continued")]
    assert len(starts) == len(continued) + 1 and continued  # one real start, then continuations
    users = [e["text"] for e in events if e["event"] == "user"]
    assert len(users) == 8 + 6 + 3 + 2 and users[8] == "我要报名点对点专车"  # the full history is all there
    # No continuation between the form's first question and its last answer.
    form_start = next(i for i, e in enumerate(events) if e["event"] == "user" and e["text"] == "我要报名点对点专车")
    form_end = next(i for i, e in enumerate(events) if e["event"] == "user" and e["text"] == "一个人")
    assert not [e for e in events[form_start:form_end] if e["event"] == "session_started"]

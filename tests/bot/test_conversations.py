"""Whole conversations through the REST channel, the real model, the action server and a seeded SQLite."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.validation import id_check_digit

# Demo identities seeded by `python -m bot db` (bot/cases/demo_data.py).
WANG_FANG = ("371302198503120427", "17000000001")
LI_QIANG = ("371321199207081535", "17000000002")


def new_id(sequence: int) -> str:
    """A valid ID number that is not in the demo data."""
    first17 = f"37132819900101{sequence:03d}"
    return first17 + id_check_digit(first17)


def test_registration_with_a_correction_then_lookup_by_owner_only(servers) -> None:
    person = new_id(901)
    say = servers.say
    assert "身份证" in say("reg-1", "我想登记找工作")
    assert "手机" in say("reg-1", person)
    assert "姓名" in say("reg-1", "13912345678")
    assert "县区" in say("reg-1", "张测试")
    assert "哪一类" in say("reg-1", "沂南")
    assert "什么样的工作" in say("reg-1", "我是脱贫户")
    assert "本地" in say("reg-1", "想进厂干电工")
    assert "专车" in say("reg-1", "去外地")
    assert "培训" in say("reg-1", "要")
    summary = say("reg-1", "不用")
    assert "沂南县" in summary and "脱贫享受政策人口" in summary and "139****5678" in summary
    assert person not in summary  # the ID number is shown masked even to its owner
    corrected = say("reg-1", "手机号改成13912340000")
    assert "已修改" in corrected and "139****0000" in corrected
    done = say("reg-1", "确认")
    assert "已登记" in done and "DJ" in done
    reference = done[done.index("DJ") : done.index("DJ") + 17]

    # The owner, in a new conversation, with the last four digits of the phone.
    assert "身份证" in say("owner", "查进度")
    say("owner", person)
    status = say("owner", "0000")
    assert reference in status and "求职登记" in status

    # Someone else with the right ID but the old phone sees nothing, three times, then is locked out.
    say("stranger", "查一下我的办理进度")
    for _ in range(2):
        say("stranger", person)
        reply = say("stranger", "5678")
        assert "核对不上" in reply and reference not in reply
    say("stranger", person)
    locked = say("stranger", "1234")
    assert "连续3次" in locked and "12333" in locked and reference not in locked
    assert reference not in say("stranger", "查进度")


def test_registering_again_updates_and_says_so(servers) -> None:
    person, phone = new_id(902), "13912345601"
    servers.say("again-1", "求职登记")
    for answer in [person, phone, "李测试", "费县", "边缘户", "保洁", "本地", "不要"]:  # no 专车 question after 本地
        servers.say("again-1", answer)
    assert "已登记" in servers.say("again-1", "确认")
    servers.say("again-2", "我要做求职登记")
    servers.say("again-2", person)
    assert "已找到您的档案" in servers.say("again-2", phone)  # name, county and category are not asked again
    for answer in ["家政", "本地", "要"]:
        summary = servers.say("again-2", answer)
    assert "家政" in summary and "费县" in summary
    assert "已更新您原有的求职登记" in servers.say("again-2", "确认")


def test_known_person_skips_what_the_case_system_knows(servers) -> None:
    servers.say("known", "我想找工作，帮我登记")
    servers.say("known", WANG_FANG[0])
    reply = servers.say("known", WANG_FANG[1])
    assert "已找到您的档案" in reply and "什么样的工作" in reply


def test_policy_question_mid_form_is_answered_and_the_form_goes_on(servers) -> None:
    servers.say("mid", "求职登记")
    reply = servers.say("mid", "公益性岗位的劳动合同一次能签几年")
    assert "1年" in reply and "第（七）条" in reply and "身份证" in reply


def test_stopping_saves_nothing(servers) -> None:
    person = new_id(903)
    servers.say("stop", "求职登记")
    servers.say("stop", person)
    reply = servers.say("stop", "算了，不办了")
    assert "已停止办理" in reply
    servers.say("stop-check", "查进度")
    servers.say("stop-check", person)
    assert "核对不上" in servers.say("stop-check", "13912345678")


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("13800000000", "手机号码"),
        ("1'; DROP TABLE persons;--", "身份证"),
        ("测" * 2000, "太长"),
        ("😀😀", "表情"),
    ],
)
def test_bad_input_gets_a_clear_reask(servers, bad: str, expected: str) -> None:
    sender = f"bad-{abs(hash(bad))}"
    servers.say(sender, "求职登记")
    reply = servers.say(sender, bad)
    assert expected in reply


def test_transport_sign_up_understands_lunar_dates(servers) -> None:
    say = servers.say
    say("bus", "我要报名点对点专车")
    say("bus", LI_QIANG[0])
    assert "去哪里" in say("bus", "0002")
    assert "哪天出发" in say("bus", "江苏昆山")
    assert "几个人" in say("bus", "正月初八")
    done = say("bus", "三个人")
    assert "DD" in done and "2027年2月13日" in done and "3人同行" in done


def test_eligibility_lists_verdicts_with_citations(servers) -> None:
    servers.say("elig", "我能享受哪些政策")
    servers.say("elig", WANG_FANG[0])
    reply = servers.say("elig", WANG_FANG[1])
    # On 2026-11-28 the whole document has ended: said once, then what applied under it and what to do now.
    assert reply.count("2025年12月31日") == 1 and "第（三）条" in reply and "现在怎么办" in reply and "12333" in reply
    assert len(reply) <= 300


def test_employer_estimate_caps_months_and_says_it_ended(servers) -> None:
    assert "哪一种补贴" in servers.say("boss", "帮我们单位算一下补贴")
    assert "多少人" in servers.say("boss", "以工代训")
    asked = servers.say("boss", "三个人")
    assert "3人 × 500元 × 6个月 = 最多9000元" in asked and "几个月" in asked
    result = servers.say("boss", "8个月")
    assert "3人 × 500元 × 6个月 = 9000元" in result and "最长只补6个月" in result
    assert "2021年底" in result and "已经结束" in result


def test_policy_question_with_a_head_count_gets_the_sum(servers) -> None:
    reply = servers.say("boss-2", "我们帮扶车间招了3个脱贫户，以工代训能补多少")
    assert "3人 × 500元 × 6个月 = 最多9000元" in reply and "已经结束" in reply


def test_employer_looks_up_its_own_record(servers) -> None:
    servers.say("org", "查一下我们单位的备案信息")
    servers.say("org", "91371324MA3CDEM038")
    reply = servers.say("org", "0101")
    assert "兰陵县测试服装就业帮扶车间" in reply


def test_an_unsure_message_gets_choices_and_a_choice_is_answered(servers, kb) -> None:
    replies = servers.replies("clarify", "补贴")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert 2 <= len(buttons) <= 3 and "请选择" in replies[0]["text"]
    # "which subsidy?": at least one choice is a policy clause, and choosing it answers that clause
    on = dt.date(2026, 11, 28)  # ASSISTANT_TODAY of the servers
    offered = {b["payload"].removeprefix("/ask_"): b for b in buttons}
    topic = next(t for t in offered if kb.clause_for_topic(t, on) is not None)
    clause = kb.clause_for_topic(topic, on)
    assert offered[topic]["title"] == (clause.benefit.name if clause.benefit else clause.title)
    assert clause.citation in servers.say("clarify", offered[topic]["payload"])


def test_a_second_fallback_in_a_row_offers_a_person(servers) -> None:
    servers.say("twice", "补贴")
    reply = servers.say("twice", "怎么弄")
    assert "没能理解" in reply and "12333" in reply and "ZR" in reply

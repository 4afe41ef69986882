"""Answers that fit the asker, whole turns through REST on the real model and action server.

Amounts are computed here from the knowledge base's figures, never written down: the test fails if the
answer promises money the stated facts exclude.
"""

from __future__ import annotations

import pytest

from policy_kb.model import KnowledgeBase

LI_QIANG = ("371321199207081535", "17000000002")  # demo person (bot/cases/demo_data.py)
MAX_CHARS = 300


def _benefit(kb: KnowledgeBase, number: str):
    return kb.documents[0].clause(number).benefit


def test_labor_export_estimate_subtracts_the_stated_exclusions(servers, kb) -> None:
    reply = servers.say("est-1", "劳务输出补贴：一共20人，其中5个在户籍县内就业，3个合同只有4个月，能补多少钱")
    cap = _benefit(kb, "十二").amount.value
    assert f"12人 × 不超过{cap}元 = 最多{12 * cap}元" in reply
    assert f"{20 * cap}元" not in reply  # the over-promise of the old answer
    assert "5人在户籍所在县内就业" in reply and "3人合同期4个月" in reply
    assert len(reply) <= MAX_CHARS


def test_work_for_training_estimate_leaves_out_who_already_had_it(servers, kb) -> None:
    reply = servers.say("est-2", "招了8个脱贫户 其中2个以前享受过以工代训 干了6个月")
    monthly = _benefit(kb, "一").amount.value
    assert f"6人 × {monthly}元 × 6个月 = {6 * monthly * 6}元" in reply
    assert f"{8 * monthly * 6}元" not in reply and "2人已享受过以工代训" in reply
    assert "2021年底" in reply  # the clause ended: said once, the sum is what the old rule gave


@pytest.mark.parametrize(
    ("message", "qualifying", "months"),
    [
        ("我们合作社吸纳了10个边缘户搞以工代训，有3个之前享受过了，干了5个月，能补多少", 7, 5),
        ("车间招了12个人，其中4个脱贫户4个边缘户，另外4个不是，以工代训干了半年，补贴多少钱", 8, 6),
    ],
)
def test_other_estimates_with_exclusions(servers, kb, message: str, qualifying: int, months: int) -> None:
    reply = servers.say(f"est-{qualifying}", message)
    monthly = _benefit(kb, "一").amount.value
    assert f"{qualifying}人 × {monthly}元 × {months}个月 = {qualifying * monthly * months}元" in reply


def test_missing_months_are_asked_not_assumed(servers, kb) -> None:
    benefit = _benefit(kb, "一")
    monthly, longest = benefit.amount.value, benefit.max_months.value
    reply = servers.say("est-ask", "帮扶车间招了6个脱贫户，以工代训能补多少钱")
    assert f"6人 × {monthly}元 × {longest}个月 = 最多{6 * monthly * longest}元" in reply  # the most it can come to
    assert "几个月" in reply  # and the question that makes it exact


def test_the_estimate_forms_months_question_gives_the_most_first(servers, kb) -> None:
    """The form started by an estimate question states the sum at the longest period when it asks for the months;
    asked again after an answer that is no number of months, the question alone."""
    benefit = _benefit(kb, "一")
    monthly, longest = benefit.amount.value, benefit.max_months.value
    assert "哪一种补贴" in servers.say("est-form", "帮我算算补贴")
    assert "涉及多少人" in servers.say("est-form", "以工代训")
    asked = servers.say("est-form", "5个")
    assert f"5人 × {monthly}元 × {longest}个月 = 最多{5 * monthly * longest}元" in asked and "几个月" in asked
    again = servers.say("est-form", "不太清楚")
    assert "多少个月" in again and "最多" not in again
    assert f"5人 × {monthly}元 × 4个月 = {5 * monthly * 4}元" in servers.say("est-form", "4个月")


@pytest.mark.parametrize(
    ("message", "label", "fact"),
    [
        ("第（十）条原文", "第（十）条", "失业登记后符合条件的纳入当地就业困难人员范围"),
        ("第十二条", "第（十二）条", "户籍所在县"),
        ("条款十二", "第（十二）条", "600元"),
        ("第12条说的啥", "第（十二）条", "600元"),
        ("第10条", "第（十）条", "城口县"),
    ],
)
def test_clause_lookup_by_number_never_hands_off(servers, message: str, label: str, fact: str) -> None:
    reply = servers.say(f"clause-{label}-{len(message)}", message)
    assert label in reply and fact in reply
    assert "人工服务请求" not in reply and len(reply) <= MAX_CHARS


def test_a_migrant_is_told_which_condition_decides(servers) -> None:
    reply = servers.say("fact-1", "我是甘肃的脱贫户，在临沂干了三个月了，能算就业困难人员吗")
    assert "还不符合" in reply and "还不满6个月" in reply
    other = servers.say("fact-2", "我是重庆城口县的，但不是脱贫户，来临沂打工能享受那个不受居住限制的政策吗")
    assert "您说您不是" in other and "只针对脱贫人口" in other


def test_age_is_answered(servers) -> None:
    reply = servers.say("fact-age", "我六十岁了还能参加职业技能培训不")
    assert "没有规定年龄限制" in reply


@pytest.mark.parametrize(
    ("message", "facts"),
    [
        ("喂喂能听见不俺想问那个公益岗一次签几年啊", ("1年",)),
        ("公益岗签几年？劳务输出每人补多少？", ("1年", "600元")),
        ("来电人说他是沂水县的脱贫户，想问问公益岗合同一次签几年，还有点对点专车坐车要花钱不", ("1年", "点对点")),
    ],
)
def test_long_and_multi_part_messages(servers, message: str, facts: tuple[str, ...]) -> None:
    reply = servers.say(f"multi-{len(message)}", message)
    assert all(f in reply for f in facts), reply
    assert len(reply) <= MAX_CHARS


@pytest.mark.parametrize("message", ["😀😀", "👍", "[微笑]", "你是真人还是机器人"])
def test_chit_chat_gets_a_short_honest_answer_and_no_ticket(servers, message: str) -> None:
    reply = servers.say(f"chat-{abs(hash(message))}", message)
    assert "人工服务请求" not in reply and "ZR" not in reply
    if "机器人" in message:
        assert "不是真人" in reply


def test_an_anonymous_handoff_promises_no_call_and_takes_a_callback_number(servers) -> None:
    """Asked for, a handoff is filed; nobody without a phone on record is promised a call, the hotline is given,
    and a number left afterwards (validated) is kept, sealed, on the request for the agent."""
    from bot.cases.sql_store import SqlCaseStore
    from bot.handoff.queue import Handoffs

    reply = servers.say("anon-human", "转人工")
    assert "ZR" in reply and "12333" in reply and "回复您的手机号码" in reply
    assert "联系您" not in reply and "会给您回电" not in reply
    reference = reply[reply.index("ZR") : reply.index("ZR") + 17]
    assert "11 位" in servers.say("anon-human", "1391234")  # not a mobile number: said so, nothing kept
    kept = servers.say("anon-human", "打这个号 13912345678")
    assert "已记下回电号码 139****5678" in kept and "13912345678" not in kept
    store = SqlCaseStore(servers.case_db_url)  # with the data key of the test environment
    try:
        held = Handoffs(store.engine).get(reference)
        assert held is not None and held.callback_phone == "13912345678"
        with store.engine.connect() as connection:  # sealed in the database
            stored = connection.exec_driver_sql("SELECT callback_phone FROM handoff_requests").scalars().all()
        assert stored and not any("13912345678" in (value or "") for value in stored)
    finally:
        store.close()
    # Afterwards a number is an ordinary message again.
    assert "收到" in servers.say("anon-human", "13912345678")


def test_far_ahead_date_is_confirmed_and_festival_dates_understood(servers) -> None:
    say = servers.say
    servers.say_all("far", "我要报名点对点专车", LI_QIANG[0], "0002", "江苏昆山")
    # Today is 2026-11-28: 11月20日 is next year, nearly a year ahead; confirm, do not save silently.
    confirm = say("far", "11月20日")
    assert "2027年11月20日" in confirm and "回复“是”确认" in confirm
    assert "几个人" in say("far", "不对，过了正月十五再走")
    done = say("far", "两个人")
    assert "2027年2月21日" in done and "DD" in done


def test_after_new_year_is_asked_which_day(servers) -> None:
    asked = servers.say_all("newyear", "我要报名点对点专车", LI_QIANG[0], "0002", "江苏昆山", "过完年")
    assert "具体是哪一天" in asked


def test_registration_listens_to_towns_and_colloquial_answers(servers) -> None:
    say = servers.say
    say("listen", "我想登记找工作")
    say("listen", _new_id())
    say("listen", "13912345699")
    assert "县区" in say("listen", "赵测试")
    placed = say("listen", "俺是兰山的 李官镇")
    assert "哪一类" in placed
    say("listen", "脱贫户")
    assert "本地" in say("listen", "保洁")
    after_local = say("listen", "在家跟前")
    assert "培训" in after_local and "专车" not in after_local  # no 专车 question after 本地
    summary = say("listen", "不用")
    assert "兰山区" in summary


def _new_id(sequence: int = 950) -> str:
    """A valid ID number not in the demo data."""
    from bot.validation import id_check_digit

    first17 = f"37132819900101{sequence:03d}"
    return first17 + id_check_digit(first17)


def test_a_side_question_does_not_stop_the_form(servers) -> None:
    say = servers.say
    say("side", "我想登记找工作")
    say("side", _new_id(951))
    say("side", "13912345698")
    assert "县区" in say("side", "钱测试")
    side = say("side", "我先问一下 登记了要交钱不？")
    assert "没有保存" not in side and "已停止" not in side
    assert "哪一类" in say("side", "费县")  # the form went on with its answers kept


def test_point_to_point_for_someone_not_registered_offers_registration(servers) -> None:
    say = servers.say
    person = _new_id(952)
    say("newbie", "我要报名点对点专车")
    assert "没登记" in say("newbie", person)  # the phone question says what to do if never registered
    offer = say("newbie", "没登记过")
    assert "先做求职登记" in offer and "核对不上" not in offer
    assert "身份证" in say("newbie", "我要登记")
    for answer in [person, "13912345697", "孙测试", "费县", "脱贫户", "进厂", "外出", "要", "不用"]:
        say("newbie", answer)
    assert "已登记" in say("newbie", "确认")
    # Registered in this conversation: the sign-up goes straight to the trip, never an empty reply.
    assert "去哪里" in say("newbie", "我要报名点对点专车")


def test_cancel_a_point_to_point_request_from_the_chat(servers) -> None:
    """Verified owner, the item shown, 是, and the case system says 已取消 afterwards."""
    say = servers.say
    say("cancel", "我要报名点对点专车")
    say("cancel", LI_QIANG[0])
    say("cancel", "0002")
    say("cancel", "浙江义乌")
    say("cancel", "正月初十")
    done = say("cancel", "一个人")
    reference = done[done.index("DD") : done.index("DD") + 17]
    ask = say("cancel", "我想取消点对点报名")  # verified in this conversation: straight to the confirmation
    assert "要取消的是" in ask and "DD" in ask and "确认取消吗" in ask
    cancelled_ref = ask[ask.index("DD") : ask.index("DD") + 17]
    assert "已取消" in say("cancel", "是")
    say("cancel-check", "查进度")
    say("cancel-check", LI_QIANG[0])
    status = say("cancel-check", "0002")
    assert cancelled_ref in status and "已撤销" in status.split(cancelled_ref, 1)[1].split("\n", 1)[0]
    assert reference  # the new request had a reference


def test_several_corrections_in_one_message(servers) -> None:
    say = servers.say
    say("fix2", "我想登记找工作")
    for answer in [_new_id(953), "13912345696", "吴测试", "沂南", "脱贫户", "进厂", "外出", "要", "不用"]:
        summary = say("fix2", answer)
    assert "沂南县" in summary
    fixed = say("fix2", "县区改成河东区 想找的工作就写保洁")
    assert "已修改" in fixed and "河东区" in fixed and "保洁" in fixed


def test_a_correction_inside_an_answer_changes_the_earlier_answer(servers) -> None:
    say = servers.say
    for answer in ["我想登记找工作", _new_id(954), "13912345695", "郑测试"]:
        say("fix-in-passing", answer)
    assert "哪一类" in say("fix-in-passing", "兰山")
    reply = say("fix-in-passing", "脱贫户。哎不对 俺户口前年迁到河东区了")
    assert "已把所在县区改为河东区" in reply and "想找什么" in reply  # the category was taken, the form went on
    for answer in ["保洁", "本地"]:
        say("fix-in-passing", answer)
    summary = say("fix-in-passing", "不用")
    assert "所在县区：河东区" in summary and "脱贫" in summary.split("人员类别：", 1)[1].split("\n", 1)[0]


def test_a_stop_that_would_lose_answers_is_confirmed_first(servers) -> None:
    say = servers.say
    person = _new_id(955)
    for answer in ["我想登记找工作", person, "13912345694", "王测试"]:
        say("stop-confirm", answer)
    asked = say("stop-confirm", "算了")
    assert "确定不办了吗" in asked and "县区" in asked and "已停止" not in asked
    assert "县区" in say("stop-confirm", "不")  # no: the same question again, the answers kept
    assert "哪一类" in say("stop-confirm", "费县")
    assert "确定不办了吗" in say("stop-confirm", "不办了")
    assert "已停止办理" in say("stop-confirm", "是")
    say("stop-check-2", "查进度")
    say("stop-check-2", person)
    assert "核对不上" in say("stop-check-2", "13912345694")  # nothing was saved


def test_answering_the_question_after_a_stop_question_goes_on(servers) -> None:
    say = servers.say
    for answer in ["我想登记找工作", _new_id(956), "13912345693", "冯测试"]:
        say("stop-answer", answer)
    assert "确定不办了吗" in say("stop-answer", "不登了")
    assert "哪一类" in say("stop-answer", "沂南")  # the answer to the question is taken as one
    assert "已停止" not in say("stop-answer", "脱贫户")


def test_move_a_point_to_point_request_to_another_day_from_the_chat(servers) -> None:
    """ "改成初十走" after the sign-up: old and new day shown, 是, and the case system has the new day."""
    say = servers.say
    for answer in ["我要报名点对点专车", LI_QIANG[0], "0002", "浙江宁波", "正月初八"]:
        say("move", answer)
    done = say("move", "一个人")
    reference = done[done.index("DD") : done.index("DD") + 17]
    ask = say("move", "改成初十走")  # verified in this conversation: straight to the confirmation
    assert reference in ask and "2027年2月13日改为2027年2月15日" in ask and "确认修改吗" in ask
    assert "已修改" in say("move", "是")
    say("move-check", "查进度")
    say("move-check", LI_QIANG[0])
    status = say("move-check", "0002")
    assert "2027年2月15日" in status.split(reference, 1)[1].split("\n", 1)[0]


def test_a_day_change_asks_who_and_which_day_and_keeps_the_trip_after_no(servers) -> None:
    say = servers.say
    assert "身份证" in say("move-no", "点对点改期")
    say("move-no", LI_QIANG[0])
    assert "哪一天" in say("move-no", "0002")
    ask = say("move-no", "过了正月十五")
    assert "2027年2月21日" in ask and "确认修改吗" in ask
    assert "没有修改" in say("move-no", "不")


def test_change_the_registration_from_the_chat(servers) -> None:
    """ "登记的工作想改成保洁": identity, the registration on record filled in with the change, 确认 updates it."""
    say = servers.say
    assert "身份证" in say("re-reg", "我登记的工作想改成保洁")
    say("re-reg", LI_QIANG[0])
    known = say("re-reg", LI_QIANG[1])
    assert "已找到您的档案" in known and "想找的工作改为保洁" in known
    for _ in range(3):  # the questions the record does not answer (专车, 培训), then the summary
        if "请核对您的求职登记信息" in known:
            break
        known = say("re-reg", "不用")
    assert "想找的工作：保洁" in known and "就业意向：外出务工" in known
    assert "已更新您原有的求职登记" in say("re-reg", "确认")

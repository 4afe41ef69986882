"""Employers, HR agencies, the document, applications from the chat and "never stuck", end to end over REST.

The real model, the action server and a seeded SQLite case database; ``servers`` answers as on 2026-11-28
(after the document's end), ``servers_2021`` as on 2021-11-15 (clauses 一 and 十二 in force) with one more
employment and one more placement in its database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.cases import sealed
from bot.cases.models import Employer, Employment, HrAgency, Person, Placement

WANG_FANG = ("371302198503120427", "17000000001")  # 脱贫享受政策人口, 兰山区
SUN_JIANGUO = "371326197006050313"  # 边缘易致贫人口, 平邑县
CHEN_JING = "500229199504211825"  # 中西部脱贫人口, employed by the food company without 以工代训
FOOD_COMPANY = ("91371302MA3CDEM016", "0103")
AGENCY = ("91371311MA3CDEM04G", "0201")
REFERENCE = re.compile(r"(?:BT|PX)\d{8}-\d{6}")


def _add_jobs(db_url: str) -> None:
    """王芳 employed with 以工代训 by the food company; 孙建国 placed outside his county by the agency."""
    engine = sealed.attach(create_engine(db_url), sealed.default_cipher())  # the servers' CASE_DATA_KEY
    with Session(engine) as session, session.begin():
        people = {p.id_number: p for p in session.execute(select(Person)).scalars()}
        company = session.execute(select(Employer).where(Employer.credit_code == FOOD_COMPANY[0])).scalar_one()
        agency = session.execute(select(HrAgency).where(HrAgency.credit_code == AGENCY[0])).scalar_one()
        session.add(
            Employment(
                employer=company,
                person=people[WANG_FANG[0]],
                start_date=dt.date(2021, 9, 1),
                contract_months=12,
                with_work_for_training=True,
            )
        )
        session.add(
            Placement(
                agency=agency,
                person=people[SUN_JIANGUO],
                destination_province="江苏省",
                destination_county="昆山市",
                outside_home_county=True,
                contract_months=12,
                start_date=dt.date(2021, 8, 20),
            )
        )
    engine.dispose()


@pytest.fixture(scope="module")
def servers_2021(trained_model, tmp_path_factory: pytest.TempPathFactory, serve_assistant) -> Iterator:
    yield from serve_assistant(tmp_path_factory, "2021-11-15", prepare=_add_jobs)


# --- What applies to employers and agencies, the document, the current policy ------------------------------


def test_an_employer_asking_in_general_gets_the_overview_not_a_personal_form(servers) -> None:
    reply = servers.say("boss-overview", "俺们厂子招了几个贫困户，厂里能得到啥扶持")
    assert "用人单位" in reply and "第（一）条" in reply and "500元" in reply and "第（四）条" in reply
    assert "2025年12月31日" in reply and "身份证" not in reply


def test_an_agency_gets_the_clauses_addressed_to_agencies(servers) -> None:
    reply = servers.say("agency-overview", "我们是人力资源服务公司，政策里有我们什么")
    assert "人力资源服务机构" in reply and "第（十二）条" in reply and "每人不超过600元" in reply
    assert "6个月以上" in reply


def test_questions_about_the_document_itself(servers, kb) -> None:
    doc = kb.documents[0]
    reply = servers.say("doc", "这份文件的发文机关有哪些")
    assert all(issuer in reply for issuer in doc.issuers) and "2021年8月17日" in reply and doc.number in reply
    assert doc.contact_unit in reply


def test_the_current_policy_is_answered_honestly_after_the_end(servers) -> None:
    replies = servers.replies("current", "现在还有啥新出台的政策吗")
    text = "\n".join(r.get("text", "") for r in replies)
    # answered as the current policy or as the document's validity: either way honest about what follows
    assert "2025年12月31日" in text and "没有接续它的新文件" in text and "12333" in text
    assert not any(r.get("buttons") for r in replies)


def test_out_of_scope_never_starts_a_form(servers) -> None:
    reply = servers.say("flight", "帮我订一张明天去上海的机票")
    assert "不在我能准确回答的范围" in reply and "身份证" not in reply and "目的地" not in reply
    assert "临沂就业帮扶助手" in servers.say("flight", "你好")  # no form is waiting for an answer


def test_a_request_naming_no_service_gets_a_short_menu(servers) -> None:
    replies = servers.replies("menu", "我想来办个事情")
    assert "我能办这些事" in replies[0]["text"] and len(replies[0]["text"]) <= 150
    assert {b["payload"] for b in replies[0].get("buttons", [])} >= {"/register_job_seeking", "/check_status"}


# --- Never stuck inside a form ------------------------------------------------------------------------------


def test_another_service_inside_a_form_switches_to_it_in_one_turn(servers) -> None:
    assert "身份证" in servers.say("switch", "求职登记")
    reply = servers.say("switch", "我先查查以前办的进度")
    assert "先停下“求职登记”" in reply and "没有保存" in reply and "身份证" in reply
    servers.say("switch", WANG_FANG[0])
    status = servers.say("switch", WANG_FANG[1])
    assert "核对成功" in status


def test_an_agency_question_inside_a_form_is_not_an_invalid_id(servers) -> None:
    servers.say("agency-mid", "我要登记找工作")
    reply = servers.say("agency-mid", "人力资源公司输出20个人能补多少")
    assert "身份证号码" not in reply.split("\n")[0]  # not read as a wrong ID number
    assert "600元" in reply or "12000元" in reply


def test_three_invalid_answers_offer_the_ways_out_and_one_word_leaves(servers) -> None:
    servers.say("stuck", "查一下办理进度")
    first = servers.say("stuck", "不知道")
    assert "算了" not in first
    servers.say("stuck", "没有")
    replies = servers.replies("stuck", "忘了")
    third = "\n".join(r.get("text", "") for r in replies)
    assert "连续3次" in third and "算了" in third and "转人工" in third and "12333" in third
    assert {b["payload"] for r in replies for b in r.get("buttons", [])} == {"/stop", "/request_human"}
    assert "已停止办理" in servers.say("stuck", "算了")


# --- Employers' and agencies' own records, eligibility and applications ---------------------------------------


def test_a_verified_agency_sees_its_applications_and_what_it_qualifies_for(servers) -> None:
    servers.say("agency-record", "查一下我们单位的备案信息")
    servers.say("agency-record", AGENCY[0])
    reply = servers.say("agency-record", AGENCY[1])
    assert "临沂测试人力资源服务有限公司" in reply and "补贴申请进度" in reply and REFERENCE.search(reply)
    assert "按登记信息逐条核对" in reply and "第（十二）条" in reply and "2025年12月31日" in reply


def test_after_the_end_a_subsidy_application_is_refused_with_the_reason(servers) -> None:
    assert "统一社会信用代码" in servers.say("late-apply", "我们机构要申报劳务输出补贴")
    servers.say("late-apply", AGENCY[0])
    reply = servers.say("late-apply", AGENCY[1])
    assert "2025年12月31日截止" in reply and "没有保存" in reply and "第（十二）条" in reply
    assert "临沂就业帮扶助手" in servers.say("late-apply", "你好")


def test_training_enrolment_explains_the_living_allowance_and_shows_in_the_status(servers) -> None:
    assert "身份证" in servers.say("train", "我想报名参加电工培训")
    servers.say("train", WANG_FANG[0])
    assert "哪个工种" in servers.say("train", WANG_FANG[1])
    summary = servers.say("train", "电工")
    assert "生活费补贴" in summary and "第（十四）条" in summary and "2025年12月31日" in summary
    assert WANG_FANG[0] not in summary and "确认" in summary
    done = servers.say("train", "确认")
    reference = REFERENCE.search(done).group(0)
    assert reference.startswith("PX") and "已为您报名" in done
    status = servers.say("train", "查进度")  # identity already verified in this conversation
    assert reference in status and "技能培训报名" in status


def test_an_employer_applies_once_and_sees_it_in_its_record(servers_2021) -> None:
    say = servers_2021.say
    assert "统一社会信用代码" in say("apply", "帮我们公司提交以工代训补贴申请")
    say("apply", FOOD_COMPANY[0])
    assert "核对成功" in say("apply", FOOD_COMPANY[1])
    assert "多少个月" in say("apply", WANG_FANG[0])
    summary = say("apply", "5个月")
    assert "1人 × 500元 × 5个月 = 2500元" in summary and "第（一）条" in summary and "确认" in summary
    done = say("apply", "确认")
    reference = REFERENCE.search(done).group(0)
    assert "已提交" in done and "2500" in done
    say("apply", "查单位备案信息")
    say("apply", FOOD_COMPANY[0])
    record = say("apply", FOOD_COMPANY[1])
    assert reference in record and "已提交" in record
    # the same application again is not filed twice
    say("again", "单位申请以工代训补贴")
    say("again", FOOD_COMPANY[0])
    say("again", FOOD_COMPANY[1])
    say("again", WANG_FANG[0])
    say("again", "5个月")
    assert reference in say("again", "确认")


def test_an_agency_applies_for_the_placement_subsidy(servers_2021) -> None:
    say = servers_2021.say
    summary = servers_2021.say_all("agency-apply", "我们劳务公司申请劳务输出补贴", *AGENCY, SUN_JIANGUO)
    assert "不超过600元" in summary and "第（十二）条" in summary
    done = say("agency-apply", "确认")
    assert REFERENCE.search(done).group(0).startswith("BT") and "已提交" in done


def test_a_person_who_does_not_qualify_is_refused_with_the_reason(servers_2021) -> None:
    reply = servers_2021.say_all("no-apply", "给单位申请以工代训补贴", *FOOD_COMPANY, CHEN_JING)
    assert "不符合申请条件" in reply and "申请没有提交" in reply and "第（一）条" in reply

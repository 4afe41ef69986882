"""Eligibility rules: each clause's conditions, read from the knowledge base, judged against the case records."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from people import person

from bot.cases.records import EmployerRecord, EmploymentRecord, HrAgencyRecord, PersonRecord, PlacementRecord
from policy_kb.eligibility import (
    EmployerFacts,
    EmploymentFacts,
    Finding,
    HrAgencyFacts,
    PersonFacts,
    PlacementFacts,
    Verdict,
    evaluate_employer,
    evaluate_hr_agency,
    evaluate_person,
    exempt_origin,
    format_findings,
)
from policy_kb.loader import KB_ROOT, KnowledgeBaseError, load_kb
from policy_kb.model import KnowledgeBase

DOC = "linrenshezi-2021-88"
IN_2023 = dt.date(2023, 6, 1)
YES, NO, CHECK = Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE, Verdict.NEEDS_VERIFICATION
RESIDENCE = "在本地连续居住6个月以上且在当地用人单位参加社会保险6个月以上"


def _worker(name: str, category: str) -> dict[str, str]:
    return {"id_number": "371302199001011234", "person_name": name, "category": category}


def employment(
    name: str = "张三",
    category: str = "poverty_alleviated",
    received: bool = False,
    trained: bool = True,
    start: dt.date = dt.date(2021, 9, 1),
) -> EmploymentRecord:
    return EmploymentRecord(
        **_worker(name, category),
        employer_credit_code="91371300MA3C000001",
        start_date=start,
        contract_months=12,
        with_work_for_training=trained,
        received_work_for_training=received,
    )


def placement(
    name: str = "张三",
    category: str = "poverty_alleviated",
    outside: bool = True,
    months: int | None = 6,
    start: dt.date = dt.date(2022, 3, 1),
) -> PlacementRecord:
    return PlacementRecord(
        **_worker(name, category),
        agency_credit_code="91371300MA3C000009",
        destination_province="江苏省",
        destination_county="昆山市",
        outside_home_county=outside,
        contract_months=months,
        start_date=start,
    )


ENTERPRISE = EmployerRecord(credit_code="91371300MA3C000001", name="临沂某制衣厂", kind="enterprise")
COOPERATIVE = EmployerRecord(credit_code="91371300MA3C000002", name="某农民专业合作社", kind="cooperative")
AGENCY = HrAgencyRecord(credit_code="91371300MA3C000009", name="临沂某人力资源公司")


def finding(findings: list[Finding], number: str) -> Finding:
    return next(f for f in findings if f.clause.number == number)


def assert_finding(f: Finding, verdict: Verdict, reasons: tuple[str, ...], absent: tuple[str, ...] = ()) -> None:
    said = "；".join(f.reasons)
    assert f.verdict is verdict, said
    for part in reasons:
        assert part in said, (part, said)
    for part in absent:
        assert part not in said, (part, said)
    assert f.citation == f"依据：临人社字〔2021〕88号 第（{f.clause.number}）条"


# --- People -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "who", "on", "verdict", "reasons", "absent"),
    [
        # 二 灵活就业: category and employment status.
        ("二", person("poverty_alleviated", "flexible"), IN_2023, YES,
         ("属于脱贫享受政策人口", "登记的就业状态是灵活就业"), ()),
        ("二", person("edge_of_poverty", "flexible"), IN_2023, YES, ("属于边缘易致贫人口",), ()),
        ("二", person("relocated", "flexible"), IN_2023, NO,
         ("本条适用于脱贫享受政策人口、边缘易致贫人口", "登记的人员类别是易地扶贫搬迁群众"), ("就业状态",)),
        ("二", person("other", "flexible"), IN_2023, NO, ("登记的人员类别是其他人员",), ()),
        ("二", person("poverty_alleviated", "unemployed"), IN_2023, NO,
         ("本条适用于灵活就业人员", "登记的就业状态是未就业"), ()),
        # 三 以工代赈: 农村低收入群体.
        ("三", person("relocated"), IN_2023, YES, ("属于易地扶贫搬迁群众",), ()),
        ("三", person("central_western_migrant"), IN_2023, NO, ("登记的人员类别是中西部脱贫人口",), ()),
        # 五 返乡入乡创业.
        ("五", person("edge_of_poverty"), IN_2023, YES, ("属于边缘易致贫人口",), ()),
        ("五", person("relocated"), IN_2023, NO, ("本条适用于脱贫享受政策人口、边缘易致贫人口",), ()),
        # 七 公益性岗位: employment status only.
        ("七", person("other", "public_welfare_post"), IN_2023, YES, ("登记的就业状态是乡村公益性岗位安置",), ()),
        ("七", person("poverty_alleviated", "employed"), IN_2023, NO,
         ("本条适用于乡村公益性岗位安置人员", "登记的就业状态是已就业"), ()),
        # 八 易地扶贫搬迁.
        ("八", person("relocated"), IN_2023, YES, ("属于易地扶贫搬迁群众",), ()),
        ("八", person("poverty_alleviated"), IN_2023, NO, ("本条适用于易地扶贫搬迁群众",), ()),
        # 十 中西部脱贫人口: 失业登记 always to verify; residence/insurance waived for 城口县、海晏县 only.
        ("十", person("central_western_migrant", origin_province="重庆市", origin_county="城口县"), IN_2023, CHECK,
         ("属于中西部脱贫人口", "需要核实：已在临沂进行失业登记", f"来自重庆市城口县，不受“{RESIDENCE}”条件限制"),
         (f"需要核实：{RESIDENCE}",)),
        ("十", person("central_western_migrant", origin_province="青海", origin_county="海晏"), IN_2023, CHECK,
         ("需要核实：已在临沂进行失业登记", f"来自青海省海晏县，不受“{RESIDENCE}”条件限制"),
         (f"需要核实：{RESIDENCE}",)),
        ("十", person("central_western_migrant", origin_province="河南省", origin_county="兰考县"), IN_2023, CHECK,
         ("需要核实：已在临沂进行失业登记", f"需要核实：{RESIDENCE}（重庆市城口县、青海省海晏县的人员不受此限）"),
         ("不受“",)),
        ("十", person("central_western_migrant", origin_province="青海省", origin_county="城口县"), IN_2023, CHECK,
         (f"需要核实：{RESIDENCE}",), ("来自",)),
        ("十", person("central_western_migrant"), IN_2023, CHECK, (f"需要核实：{RESIDENCE}",), ("来自",)),
        ("十", person("poverty_alleviated", origin_province="重庆市", origin_county="城口县"), IN_2023, NO,
         ("本条适用于中西部脱贫人口", "登记的人员类别是脱贫享受政策人口"), ("失业登记",)),
        # 十三 点对点: the need to travel together is not in the records.
        ("十三", person("poverty_alleviated"), IN_2023, CHECK,
         ("属于脱贫享受政策人口", "需要核实：有集中外出务工需求"), ()),
        ("十三", person("edge_of_poverty"), IN_2023, NO,
         ("本条适用于脱贫享受政策人口，登记的人员类别是边缘易致贫人口",), ()),
        # 十四 项目制培训: enrolment is checked by staff.
        ("十四", person("edge_of_poverty"), IN_2023, CHECK,
         ("需要核实：参加了职业技能项目制培训",), ()),
        ("十四", person("relocated"), IN_2023, NO, ("登记的人员类别是易地扶贫搬迁群众",), ("项目制培训",)),
        # The document's period: 2025-12-31 is the last day; before 2021-08-17 it had not been issued.
        ("二", person("poverty_alleviated", "flexible"), dt.date(2025, 12, 31), YES, ("属于脱贫享受政策人口",), ()),
        ("二", person("poverty_alleviated", "flexible"), dt.date(2026, 1, 1), NO,
         ("本文件的政策执行期限已于2025年12月31日截止",), ("属于",)),
        ("十", person("central_western_migrant", origin_county="城口县"), dt.date(2026, 1, 1), NO,
         ("本文件的政策执行期限已于2025年12月31日截止",), ("失业登记",)),
        ("二", person("poverty_alleviated", "flexible"), dt.date(2021, 8, 16), NO,
         ("本文件于2021年8月17日印发，自印发之日起实施，在此之前尚未施行",), ()),
        ("二", person("poverty_alleviated", "flexible"), dt.date(2021, 8, 17), YES, (), ()),
    ],
)  # fmt: skip
def test_person_clause_conditions(
    kb: KnowledgeBase,
    number: str,
    who: PersonRecord,
    on: dt.date,
    verdict: Verdict,
    reasons: tuple[str, ...],
    absent: tuple[str, ...],
) -> None:
    f = finding(evaluate_person(kb, who, on), number)
    assert_finding(f, verdict, reasons, absent)
    assert f.amount_text is None  # no worker clause of this document fixes an amount


def test_person_gets_every_worker_clause_with_conditions_in_order(kb: KnowledgeBase) -> None:
    findings = evaluate_person(kb, person(), IN_2023)
    assert [f.clause.number for f in findings] == ["二", "三", "五", "七", "八", "十", "十三", "十四"]


# --- Employers --------------------------------------------------------------------------------------------------

MONTHLY = "每人每月500元，最长6个月"


@pytest.mark.parametrize(
    ("number", "employer", "staff", "on", "verdict", "reasons", "amount"),
    [
        # 一 以工代训: category, 以工代训 carried out, exclusion of earlier recipients, end of 2021.
        ("一", ENTERPRISE, [employment()], dt.date(2021, 12, 31), YES, ("符合条件的1人：张*",),
         f"{MONTHLY}；按标准测算：1人 × 500元 × 6个月 = 最多3000元"),
        ("一", COOPERATIVE, [employment(), employment("李四", "edge_of_poverty")], dt.date(2021, 10, 1), YES,
         ("符合条件的2人：张*、李*",), f"{MONTHLY}；按标准测算：2人 × 500元 × 6个月 = 最多6000元"),
        ("一", ENTERPRISE, [employment()], dt.date(2022, 1, 1), NO,
         ("这项政策只执行到2021年底（2021年12月31日），已经结束",), None),
        ("一", ENTERPRISE, [employment()], dt.date(2026, 1, 1), NO,
         ("只执行到2021年底", "本文件的政策执行期限也已于2025年12月31日截止"), None),
        ("一", ENTERPRISE, [employment(received=True)], dt.date(2021, 12, 1), NO,
         ("张*：已享受过以工代训职业培训补贴，按规定除外",), None),
        ("一", ENTERPRISE, [employment(category="relocated")], dt.date(2021, 12, 1), NO,
         ("张*：易地扶贫搬迁群众，不属于脱贫享受政策人口、边缘易致贫人口",), None),
        ("一", ENTERPRISE, [employment(trained=False)], dt.date(2021, 12, 1), NO,
         ("张*：不满足“对吸纳的人员开展以工代训”",), None),
        ("一", ENTERPRISE, [employment(start=dt.date(2021, 12, 2))], dt.date(2021, 12, 1), NO,
         ("张*：2021年12月2日才上岗",), None),
        ("一", ENTERPRISE, [], dt.date(2021, 12, 1), NO, ("系统中没有该单位吸纳人员的用工登记",), None),
        ("一", ENTERPRISE, [employment(), employment("王五", received=True), employment("赵六", "other")],
         dt.date(2021, 12, 1), YES,
         ("符合条件的1人：张*", "不计入：王*：已享受过以工代训职业培训补贴", "不计入：赵*：其他人员"),
         f"{MONTHLY}；按标准测算：1人 × 500元 × 6个月 = 最多3000元"),
        # 四 稳岗留工: enterprises employing 脱贫享受政策人口.
        ("四", ENTERPRISE, [employment()], IN_2023, YES, ("单位类型是企业", "符合条件的1人：张*"), None),
        ("四", COOPERATIVE, [employment()], IN_2023, NO, ("本条面向企业，登记的单位类型是农民专业合作社",), None),
        ("四", ENTERPRISE, [employment(category="edge_of_poverty")], IN_2023, NO,
         ("张*：边缘易致贫人口，不属于脱贫享受政策人口",), None),
        ("四", ENTERPRISE, [employment()], dt.date(2025, 12, 31), YES, (), None),
        ("四", ENTERPRISE, [employment()], dt.date(2026, 1, 1), NO, ("已于2025年12月31日截止",), None),
        # 十三 点对点 for employers: staff check the need to travel together.
        ("十三", ENTERPRISE, [employment()], IN_2023, CHECK, ("需要核实：有集中外出务工需求", "符合条件的1人"), None),
    ],
)  # fmt: skip
def test_employer_clause_conditions(
    kb: KnowledgeBase,
    number: str,
    employer: EmployerRecord,
    staff: list[EmploymentRecord],
    on: dt.date,
    verdict: Verdict,
    reasons: tuple[str, ...],
    amount: str | None,
) -> None:
    f = finding(evaluate_employer(kb, employer, staff, on), number)
    assert_finding(f, verdict, reasons)
    assert f.amount_text == amount


def test_employer_gets_the_employer_clauses_with_conditions(kb: KnowledgeBase) -> None:
    findings = evaluate_employer(kb, ENTERPRISE, [employment()], dt.date(2021, 12, 1))
    assert [f.clause.number for f in findings] == ["一", "四", "五", "十三"]


# --- HR agencies (clause 十二) -----------------------------------------------------------------------------------

CAP = "每人不超过600元，一次性发放"


@pytest.mark.parametrize(
    ("placed", "on", "verdict", "reasons", "amount"),
    [
        ([placement(months=6)], IN_2023, YES, ("符合条件的1人：张*",),
         f"{CAP}；按上限测算：1人 × 不超过600元 = 最多600元，具体标准以县区规定为准"),
        ([placement(months=5)], IN_2023, NO, ("张*：合同期5个月，不满6个月",), None),
        ([placement(outside=False, months=12)], IN_2023, NO,
         ("张*：不满足“输出到户籍所在县（市、区）以外稳定就业”",), None),
        ([placement(category="relocated")], IN_2023, NO,
         ("张*：易地扶贫搬迁群众，不属于脱贫享受政策人口、边缘易致贫人口",), None),
        ([placement(months=None)], IN_2023, CHECK, ("张*：合同期未登记，需要核实是否6个月以上",), CAP),
        ([placement(), placement("李四", "edge_of_poverty", months=24), placement("王五", months=5),
          placement("赵六", outside=False)], IN_2023, YES,
         ("符合条件的2人：张*、李*", "不计入：王*：合同期5个月，不满6个月", "不计入：赵*：不满足"),
         f"{CAP}；按上限测算：2人 × 不超过600元 = 最多1200元，具体标准以县区规定为准"),
        ([placement(), placement("钱八", months=None)], IN_2023, YES,
         ("符合条件的1人：张*", "另有待核实的：钱*：合同期未登记"),
         f"{CAP}；按上限测算：1人 × 不超过600元 = 最多600元，具体标准以县区规定为准"),
        ([placement(start=dt.date(2023, 7, 1))], IN_2023, NO, ("张*：2023年7月1日才上岗",), None),
        ([], IN_2023, NO, ("系统中没有该机构的劳务输出登记",), None),
        ([placement()], dt.date(2025, 12, 31), YES, ("符合条件的1人",),
         f"{CAP}；按上限测算：1人 × 不超过600元 = 最多600元，具体标准以县区规定为准"),
        ([placement()], dt.date(2026, 1, 1), NO, ("本文件的政策执行期限已于2025年12月31日截止",), None),
    ],
)  # fmt: skip
def test_hr_agency_labour_export_subsidy(
    kb: KnowledgeBase,
    placed: list[PlacementRecord],
    on: dt.date,
    verdict: Verdict,
    reasons: tuple[str, ...],
    amount: str | None,
) -> None:
    findings = evaluate_hr_agency(kb, AGENCY, placed, on)
    assert [f.clause.number for f in findings] == ["十二"]
    assert_finding(findings[0], verdict, reasons)
    assert findings[0].amount_text == amount


# --- Origin matching for exemptions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "county", "expected"),
    [
        ("重庆市", "城口县", "重庆市城口县"),
        ("重庆", "城口", "重庆市城口县"),
        (None, "城口县", "重庆市城口县"),
        ("青海省", "海晏县", "青海省海晏县"),
        ("青海省", "城口县", None),
        ("河南省", "兰考县", None),
        ("重庆市", None, None),
        ("重庆市", "口县", None),
    ],
)
def test_exempt_origin(kb: KnowledgeBase, province: str | None, county: str | None, expected: str | None) -> None:
    assert exempt_origin(kb.document_by_id(DOC).clause("十"), province, county) == expected


# --- The rules live in the data -----------------------------------------------------------------------------------


def _kb_with(tmp_path: Path, number: str, edit) -> KnowledgeBase:
    root = tmp_path / "policy_kb"
    shutil.copytree(KB_ROOT / "documents", root / "documents")
    shutil.copy(KB_ROOT / "service.yml", root / "service.yml")
    path = root / "documents" / DOC / "clauses.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(next(c for c in data["clauses"] if c["number"] == number))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_kb(root)


def test_minimum_contract_comes_from_the_figures(tmp_path: Path) -> None:
    kb = _kb_with(tmp_path, "十二", lambda c: c["figures"]["min_contract_months"].update(value=5))
    f = evaluate_hr_agency(kb, AGENCY, [placement(months=5)], IN_2023)[0]
    assert f.verdict is YES


def test_exempt_counties_come_from_the_data(tmp_path: Path) -> None:
    kb = _kb_with(tmp_path, "十", lambda c: c.update(exempt_counties=["河南省兰考县"]))
    migrant = person("central_western_migrant", origin_province="河南省", origin_county="兰考县")
    f = finding(evaluate_person(kb, migrant, IN_2023), "十")
    assert f"来自河南省兰考县，不受“{RESIDENCE}”条件限制" in f.reasons


def test_amount_comes_from_the_benefit_figures(tmp_path: Path) -> None:
    kb = _kb_with(tmp_path, "一", lambda c: c["figures"]["monthly_amount"].update(value=800))
    f = finding(evaluate_employer(kb, ENTERPRISE, [employment()], dt.date(2021, 12, 1)), "一")
    assert f.amount_text == "每人每月800元，最长6个月；按标准测算：1人 × 800元 × 6个月 = 最多4800元"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c["conditions"][1].update(job_flag="works_hard"), "conditions[1].job_flag"),
        (lambda c: c["conditions"][1].update(employer_kinds=["factory"]), "conditions[1].employer_kinds[0]"),
        (lambda c: c["conditions"][1].update(requires_verification="满{years}年"),
         "conditions[1].requires_verification"),
        (lambda c: c["conditions"][1].update(waived_for_exempt_counties="yes"),
         "conditions[1].waived_for_exempt_counties"),
        (lambda c: c.pop("exempt_counties"), "conditions[2].waived_for_exempt_counties"),
        (lambda c: c["conditions"][1].pop("requires_verification"), "conditions[1]：至少要给出一项可核对的内容"),
    ],
)  # fmt: skip
def test_invalid_condition_data_names_file_clause_and_field(tmp_path: Path, edit, field: str) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        _kb_with(tmp_path, "十", edit)
    message = str(info.value)
    assert "clauses.yml 第（十）条 字段" in message
    assert field in message
    assert "\n" not in message


def test_unknown_person_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"第（一）条 字段 exclusions\[0\]\.person_flag：未知取值"):
        _kb_with(tmp_path, "一", lambda c: c["exclusions"][0].update(person_flag="is_poor"))


# --- The case system's records fit ---------------------------------------------------------------------------------


def test_case_records_satisfy_the_protocols() -> None:
    assert isinstance(person(), PersonFacts)
    assert isinstance(ENTERPRISE, EmployerFacts)
    assert isinstance(AGENCY, HrAgencyFacts)
    assert isinstance(employment(), EmploymentFacts)
    assert isinstance(placement(), PlacementFacts)


# --- What the person reads -------------------------------------------------------------------------------------------


def test_format_findings_one_line_per_clause_then_the_hotline(kb: KnowledgeBase) -> None:
    migrant = person("central_western_migrant", origin_province="重庆市", origin_county="城口县")
    text = format_findings(evaluate_person(kb, migrant, IN_2023), kb.hotline)
    lines = text.splitlines()
    assert len(lines) == 9
    assert lines[0] == (
        "✘ 不符合｜第（二）条 鼓励灵活就业："
        "本条适用于脱贫享受政策人口、边缘易致贫人口，登记的人员类别是中西部脱贫人口；"
        "本条适用于灵活就业人员，登记的就业状态是未就业（临人社字〔2021〕88号）"
    )
    assert lines[5].startswith("？需进一步核实｜第（十）条 做好在临沂务工中西部脱贫人口就业援助：属于中西部脱贫人口；")
    assert "需要核实：已在临沂进行失业登记" in lines[5]
    assert lines[5].endswith("（临人社字〔2021〕88号）")
    assert "12333" in lines[-1]
    assert kb.hotline.render() in lines[-1]


def test_format_findings_shows_the_amount_for_eligible_employers(kb: KnowledgeBase) -> None:
    text = format_findings(evaluate_employer(kb, ENTERPRISE, [employment()], dt.date(2021, 12, 1)), kb.hotline)
    assert text.splitlines()[0] == (
        "✔ 符合｜第（一）条 促进就地就近就业：符合条件的1人：张*；每人每月500元，最长6个月；"
        "按标准测算：1人 × 500元 × 6个月 = 最多3000元（临人社字〔2021〕88号）"
    )


def test_format_findings_without_findings_still_gives_the_hotline(kb: KnowledgeBase) -> None:
    text = format_findings([], kb.hotline)
    assert text.splitlines()[-1].endswith(f"{kb.hotline.render()}。")


def test_names_are_masked_in_reasons(kb: KnowledgeBase) -> None:
    f = finding(evaluate_employer(kb, ENTERPRISE, [employment("欧阳娜娜")], dt.date(2021, 12, 1)), "一")
    assert "欧阳娜娜" not in "".join(f.reasons)
    assert "欧***" in "".join(f.reasons)

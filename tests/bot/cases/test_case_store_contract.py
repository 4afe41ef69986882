"""One contract for every CaseStore: SQLite, PostgreSQL and the HTTP API (see the ``store`` fixture)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bot.cases import demo_data
from bot.cases.errors import (
    CaseRequestRefused,
    IdentityMismatch,
    InvalidRequest,
    OrganisationNotFound,
    PersonNotFound,
    ReferenceNotFound,
)
from bot.cases.records import (
    AccessContext,
    EmployerRecord,
    HrAgencyRecord,
    PersonDetails,
    PersonRecord,
    RegistrationRecord,
    SubsidyApplicant,
)
from bot.cases.store import CaseStore
from bot.replies import status_line
from bot.validation import id_check_digit, validate_id_number

ACCESS = AccessContext(conversation_id="conv-001", channel="wechat", purpose="求职登记核验身份")
WANG = demo_data.PERSONS[0]  # known, no registration yet
LI = demo_data.PERSONS[1]  # known, with a registration and a transport request
ZHAO = demo_data.PERSONS[2]  # employed by the assistance workshop with 以工代训
LIU = demo_data.PERSONS[3]  # placed by the HR agency
WORKSHOP, COOPERATIVE, ENTERPRISE = demo_data.EMPLOYERS
WORKSHOP_CODE = WORKSHOP.credit_code
AGENCY = demo_data.HR_AGENCIES[0]
NEW_ID = "371323199803150018"  # valid check digit, not in the demo data
NEW_PERSON = PersonDetails(
    id_number=NEW_ID, name="测试新人", phone="17000000999", category="edge_of_poverty", county="沂水县"
)


def _register(store: CaseStore, person: PersonDetails = NEW_PERSON, **overrides: object):
    fields: dict = {
        "work_wanted": "电焊工",
        "local_or_away": "away",
        "needs_transport": True,
        "wants_training": False,
    }
    fields.update(overrides)
    return store.upsert_registration(person, access=ACCESS, **fields)


def test_new_id_is_valid() -> None:
    assert validate_id_number(NEW_ID, dt.date(2026, 11, 28)) == NEW_ID


# --- persons ------------------------------------------------------------------------------------------------


def test_find_person_returns_the_record_and_audits_the_read(store: CaseStore) -> None:
    assert store.audit_entries(WANG.id_number) == []
    person = store.find_person(WANG.id_number, access=ACCESS)
    assert isinstance(person, PersonRecord)
    assert (person.id_number, person.name, person.phone) == (WANG.id_number, WANG.name, WANG.phone)
    assert person.category == "poverty_alleviated"
    assert person.category_label == "脱贫享受政策人口"
    assert person.county == "兰山区"
    entries = store.audit_entries(WANG.id_number)
    assert [(e.conversation_id, e.channel, e.purpose, e.action) for e in entries] == [
        ("conv-001", "wechat", "求职登记核验身份", "find_person")
    ]
    assert entries[0].at.tzinfo is not None


def test_find_person_unknown_is_none(store: CaseStore) -> None:
    assert store.find_person(NEW_ID, access=ACCESS) is None


def test_find_person_accepts_lower_case_x(store: CaseStore) -> None:
    _register(store, dataclasses.replace(NEW_PERSON, id_number="11010519491231002X"))
    found = store.find_person("11010519491231002x", access=ACCESS)
    assert found is not None and found.id_number == "11010519491231002X"


@pytest.mark.parametrize("phone", ["17000000002", "0002"])
def test_verify_person_with_full_phone_or_last_four(store: CaseStore, phone: str) -> None:
    person = store.verify_person(LI.id_number, phone, access=ACCESS)
    assert person is not None and person.name == LI.name
    assert [e.action for e in store.audit_entries(LI.id_number)] == ["verify"]


@pytest.mark.parametrize(
    ("id_number", "phone"),
    [
        (LI.id_number, "17000000003"),  # someone else's phone
        (LI.id_number, "0003"),
        (LI.id_number, "000"),
        (NEW_ID, "17000000999"),  # unknown person: same answer as a wrong phone
    ],
)
def test_verify_person_mismatch_is_none(store: CaseStore, id_number: str, phone: str) -> None:
    assert store.verify_person(id_number, phone, access=ACCESS) is None


def test_failed_verification_is_audited(store: CaseStore) -> None:
    store.verify_person(LI.id_number, "9999", access=ACCESS)
    assert [e.action for e in store.audit_entries(LI.id_number)] == ["verify_failed"]


def test_person_repr_masks_id_and_phone(store: CaseStore) -> None:
    text = repr(store.find_person(LI.id_number, access=ACCESS))
    assert LI.id_number not in text and LI.phone not in text
    assert "170****0002" in text


# --- registrations ------------------------------------------------------------------------------------------


def test_registration_of_a_new_person_creates_person_and_registration(store: CaseStore) -> None:
    registration, created = _register(store)
    assert created is True
    assert isinstance(registration, RegistrationRecord)
    assert re.fullmatch(r"DJ\d{8}-\d{6}", registration.reference)
    assert (registration.work_wanted, registration.local_or_away) == ("电焊工", "away")
    assert registration.needs_transport is True and registration.wants_training is False
    assert registration.status == "submitted" and registration.status_label == "已提交"
    person = store.find_person(NEW_ID, access=ACCESS)
    assert person is not None
    assert (person.name, person.phone, person.category, person.county) == (
        "测试新人",
        "17000000999",
        "edge_of_poverty",
        "沂水县",
    )


def test_registering_again_updates_the_same_registration(store: CaseStore) -> None:
    first, _ = _register(store)
    second, created = _register(store, work_wanted="叉车司机", local_or_away="local", needs_transport=False)
    assert created is False
    assert second.reference == first.reference
    assert (second.work_wanted, second.local_or_away, second.needs_transport) == ("叉车司机", "local", False)
    assert second.updated_at >= first.updated_at
    items = [i for i in store.get_status(NEW_ID, access=ACCESS) if i.kind == "registration"]
    assert len(items) == 1 and (items[0].work_wanted, items[0].local_or_away) == ("叉车司机", "local")


def test_registering_again_resets_the_status(store: CaseStore) -> None:
    first, _ = _register(store)
    store.set_status(first.reference, "rejected")
    again, created = _register(store)
    assert created is False and again.status == "submitted"


def test_known_person_registers_when_name_and_phone_match(store: CaseStore) -> None:
    details = PersonDetails(id_number=WANG.id_number, name=WANG.name, phone=WANG.phone, category="other")
    _, created = _register(store, details)
    assert created is True
    person = store.find_person(WANG.id_number, access=ACCESS)
    assert person is not None and person.category == "poverty_alleviated"  # stored details are kept


def test_existing_registration_is_found_for_a_known_person(store: CaseStore) -> None:
    details = PersonDetails(id_number=LI.id_number, name=LI.name, phone=LI.phone)
    registration, created = _register(store, details)
    assert created is False
    existing = [i for i in store.get_status(LI.id_number, access=ACCESS) if i.kind == "registration"]
    assert existing[0].reference == registration.reference


@pytest.mark.parametrize(
    "details",
    [
        PersonDetails(id_number=LI.id_number, name=LI.name, phone="17000000999"),
        PersonDetails(id_number=LI.id_number, name="测试别人", phone=LI.phone),
    ],
)
def test_registration_with_someone_elses_id_is_refused(store: CaseStore, details: PersonDetails) -> None:
    with pytest.raises(IdentityMismatch) as info:
        _register(store, details)
    assert "不一致" in info.value.user_message
    assert "verify_failed" in [e.action for e in store.audit_entries(LI.id_number)]


def test_registration_references_are_distinct(store: CaseStore) -> None:
    references = set()
    for n in range(5):
        first17 = f"3713231998031500{n}"
        id_number = first17 + id_check_digit(first17)
        registration, created = _register(store, dataclasses.replace(NEW_PERSON, id_number=id_number))
        assert created
        references.add(registration.reference)
    assert len(references) == 5


def test_invalid_registration_values_are_refused(store: CaseStore) -> None:
    with pytest.raises(InvalidRequest):
        _register(store, local_or_away="moon")
    assert store.find_person(NEW_ID, access=ACCESS) is None


# Every store checks integrity the same way (bot.cases.integrity), before anything is written.
INVALID_REQUESTS = [
    pytest.param(lambda s: s.create_transport_request(
        LI.id_number, destination="昆山", departure_date=dt.date(2027, 2, 13), party_size=0, access=ACCESS),
        id="no-passenger"),
    pytest.param(lambda s: s.create_transport_request(
        LI.id_number, destination=" ", departure_date=dt.date(2027, 2, 13), party_size=2, access=ACCESS),
        id="no-destination"),
    pytest.param(lambda s: s.create_training_enrolment(LI.id_number, course="", access=ACCESS), id="no-course"),
    pytest.param(lambda s: s.create_subsidy_application(
        SubsidyApplicant("employer", WORKSHOP_CODE), clause=1, amount_yuan=-5, access=ACCESS), id="negative-amount"),
    pytest.param(lambda s: s.create_subsidy_application(
        SubsidyApplicant("employer", WORKSHOP_CODE), clause=0, amount_yuan=500, access=ACCESS), id="no-clause"),
    pytest.param(lambda s: s.create_subsidy_application(
        SubsidyApplicant("robot", WORKSHOP_CODE), clause=1, amount_yuan=500, access=ACCESS), id="unknown-applicant"),
]  # fmt: skip


@pytest.mark.parametrize("request_", INVALID_REQUESTS)
def test_invalid_requests_are_refused_alike_and_change_nothing(store: CaseStore, request_) -> None:
    before = store.get_status(LI.id_number, access=ACCESS), store.get_organisation_status(WORKSHOP_CODE)
    with pytest.raises(InvalidRequest) as error:
        request_(store)
    assert "没有保存" in error.value.user_message
    assert (
        store.get_status(LI.id_number, access=ACCESS),
        store.get_organisation_status(WORKSHOP_CODE),
    ) == before


# --- transport, training, subsidies -------------------------------------------------------------------------


def test_transport_request_needs_a_known_person(store: CaseStore) -> None:
    with pytest.raises(PersonNotFound) as info:
        store.create_transport_request(
            NEW_ID,
            destination="江苏省昆山市",
            departure_date=dt.date(2027, 2, 13),
            party_size=3,
            access=ACCESS,
        )
    assert "求职登记" in info.value.user_message


def test_transport_request_is_created_once(store: CaseStore) -> None:
    _register(store)
    args = {"destination": "江苏省昆山市", "departure_date": dt.date(2027, 2, 13), "party_size": 3}
    request, created = store.create_transport_request(NEW_ID, access=ACCESS, **args)
    assert created and re.fullmatch(r"DD\d{8}-\d{6}", request.reference)
    assert (request.destination, request.departure_date, request.party_size) == (
        "江苏省昆山市",
        dt.date(2027, 2, 13),
        3,
    )
    again, created_again = store.create_transport_request(NEW_ID, access=ACCESS, **args)
    assert (again.reference, created_again) == (request.reference, False)
    other, created_other = store.create_transport_request(
        NEW_ID, access=ACCESS, **{**args, "departure_date": dt.date(2027, 2, 20)}
    )
    assert created_other and other.reference != request.reference


def test_a_new_transport_request_may_follow_a_cancelled_one(store: CaseStore) -> None:
    _register(store)
    args = {"destination": "青岛", "departure_date": dt.date(2027, 2, 13), "party_size": 1}
    first, _ = store.create_transport_request(NEW_ID, access=ACCESS, **args)
    store.set_status(first.reference, "cancelled")
    second, created = store.create_transport_request(NEW_ID, access=ACCESS, **args)
    assert created and second.reference != first.reference


def test_an_open_transport_request_moves_to_another_day(store: CaseStore) -> None:
    _register(store)
    args = {"destination": "青岛", "departure_date": dt.date(2027, 2, 13), "party_size": 2}
    first, _ = store.create_transport_request(NEW_ID, access=ACCESS, **args)
    moved = store.change_departure_date(first.reference.lower(), dt.date(2027, 2, 17), access=ACCESS)
    assert (moved.reference, moved.departure_date, moved.party_size) == (first.reference, dt.date(2027, 2, 17), 2)
    [item] = [i for i in store.get_status(NEW_ID, access=ACCESS) if i.kind == "transport_request"]
    assert item.departure_date == dt.date(2027, 2, 17) and item.status == first.status


def test_a_day_change_that_would_duplicate_or_touch_a_closed_request_changes_nothing(store: CaseStore) -> None:
    _register(store)
    args = {"destination": "青岛", "party_size": 1}
    first, _ = store.create_transport_request(NEW_ID, access=ACCESS, departure_date=dt.date(2027, 2, 13), **args)
    store.create_transport_request(NEW_ID, access=ACCESS, departure_date=dt.date(2027, 2, 20), **args)
    with pytest.raises(CaseRequestRefused, match="已经报过这一天"):  # InvalidRequest; over HTTP with its message
        store.change_departure_date(first.reference, dt.date(2027, 2, 20), access=ACCESS)
    store.set_status(first.reference, "cancelled")
    with pytest.raises(ReferenceNotFound):
        store.change_departure_date(first.reference, dt.date(2027, 2, 27), access=ACCESS)
    with pytest.raises(ReferenceNotFound):
        store.change_departure_date("DD20270101-999999", dt.date(2027, 2, 27), access=ACCESS)
    days = sorted(i.departure_date for i in store.get_status(NEW_ID, access=ACCESS) if i.kind == "transport_request")
    assert days == [dt.date(2027, 2, 13), dt.date(2027, 2, 20)]


def test_an_anonymous_handoff_keeps_the_callback_number_left_for_it(store: CaseStore) -> None:
    handoff = store.create_handoff(conversation_id="anon-callback", channel="wechat", reason="转人工")
    assert handoff.callback_phone is None
    kept = store.set_handoff_callback(handoff.reference.lower(), "13912345678")
    assert (kept.reference, kept.callback_phone) == (handoff.reference, "13912345678")
    assert "13912345678" not in repr(kept)
    # Filed again from the same conversation: the same request, with its number.
    again = store.create_handoff(conversation_id="anon-callback", channel="wechat", reason="转人工")
    assert (again.reference, again.callback_phone) == (handoff.reference, "13912345678")
    with pytest.raises(InvalidRequest):
        store.set_handoff_callback(handoff.reference, "1391234")
    with pytest.raises(ReferenceNotFound):
        store.set_handoff_callback("ZR20270101-999999", "13912345678")


def test_training_enrolment(store: CaseStore) -> None:
    _register(store)
    enrolment, created = store.create_training_enrolment(NEW_ID, course="电工", access=ACCESS)
    assert created and re.fullmatch(r"PX\d{8}-\d{6}", enrolment.reference)
    again, created_again = store.create_training_enrolment(NEW_ID, course="电工", access=ACCESS)
    assert (again.reference, created_again) == (enrolment.reference, False)
    with pytest.raises(PersonNotFound):
        store.create_training_enrolment("371323199803150026", course="电工", access=ACCESS)


def test_employer_subsidy_application(store: CaseStore) -> None:
    applicant = SubsidyApplicant("employer", COOPERATIVE.credit_code)
    application, created = store.create_subsidy_application(
        applicant, clause=1, amount_yuan=3000, months=6, beneficiary_id_number=WANG.id_number, access=ACCESS
    )
    assert created and re.fullmatch(r"BT\d{8}-\d{6}", application.reference)
    assert (application.applicant_kind, application.applicant_identifier) == (
        "employer",
        COOPERATIVE.credit_code,
    )
    assert (application.clause, application.amount_yuan, application.months) == (1, 3000, 6)
    assert application.beneficiary_id_number == WANG.id_number
    again, created_again = store.create_subsidy_application(
        applicant, clause=1, amount_yuan=3000, months=6, beneficiary_id_number=WANG.id_number, access=ACCESS
    )
    assert (again.reference, created_again) == (application.reference, False)
    assert "subsidy_application" in [e.action for e in store.audit_entries(WANG.id_number)]


def test_agency_and_person_subsidy_applications(store: CaseStore) -> None:
    by_agency, created = store.create_subsidy_application(
        SubsidyApplicant("hr_agency", AGENCY.credit_code),
        clause=12,
        amount_yuan=600,
        beneficiary_id_number=WANG.id_number,
        access=ACCESS,
    )
    assert created and by_agency.applicant_kind == "hr_agency"
    by_person, created = store.create_subsidy_application(
        SubsidyApplicant("person", WANG.id_number), clause=14, amount_yuan=900, access=ACCESS
    )
    assert created and by_person.applicant_identifier == WANG.id_number and by_person.beneficiary_id_number is None


@pytest.mark.parametrize(
    ("applicant", "beneficiary", "error"),
    [
        (SubsidyApplicant("employer", "91371302MA3CDEM99X"), None, OrganisationNotFound),
        (SubsidyApplicant("hr_agency", WORKSHOP_CODE), None, OrganisationNotFound),
        (SubsidyApplicant("employer", WORKSHOP_CODE), NEW_ID, PersonNotFound),
        (SubsidyApplicant("person", NEW_ID), None, PersonNotFound),
    ],
)
def test_subsidy_application_for_unknown_parties(
    store: CaseStore, applicant: SubsidyApplicant, beneficiary: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.create_subsidy_application(
            applicant, clause=1, amount_yuan=500, beneficiary_id_number=beneficiary, access=ACCESS
        )


# --- status -------------------------------------------------------------------------------------------------


def test_status_lists_everything_about_the_person_with_chinese_labels(store: CaseStore) -> None:
    items = store.get_status(LI.id_number, access=ACCESS)
    assert [(i.kind, i.status) for i in items] == [
        ("registration", "in_review"),
        ("transport_request", "approved"),
    ]
    assert [i.status_label for i in items] == ["审核中", "已通过"]
    assert items[0].kind_label == "求职登记"
    assert status_line(items[0]).startswith(f"求职登记 {items[0].reference}：审核中")
    assert items[1].departure_date == dt.date(2026, 2, 24) and "江苏省昆山市" in (items[1].destination or "")
    assert "2026年2月24日前往江苏省昆山市" in status_line(items[1])
    assert "get_status" in [e.action for e in store.audit_entries(LI.id_number)]


def test_status_of_a_beneficiary_includes_the_employers_application(store: CaseStore) -> None:
    items = store.get_status(ZHAO.id_number, access=ACCESS)
    assert [(i.kind, i.status_label) for i in items] == [("subsidy_application", "已通过")]
    assert (items[0].clause, items[0].amount_yuan, items[0].beneficiary_id_number) == (1, 3000, ZHAO.id_number)
    line = status_line(items[0])
    assert "依据政策第（一）条，金额 3000 元" in line
    assert ZHAO.id_number not in line and "涉及人员 371*" in line  # masked


def test_status_of_an_unknown_person_is_empty(store: CaseStore) -> None:
    assert store.get_status(NEW_ID, access=ACCESS) == []


@pytest.mark.parametrize(
    ("status", "label"),
    [("in_review", "审核中"), ("approved", "已通过"), ("rejected", "未通过"), ("completed", "已办结")],
)
def test_set_status_changes_what_the_person_sees(store: CaseStore, status: str, label: str) -> None:
    registration, _ = _register(store)
    item = store.set_status(registration.reference, status)
    assert (item.reference, item.status_label) == (registration.reference, label)
    assert [i.status_label for i in store.get_status(NEW_ID, access=ACCESS)] == [label]


def test_set_status_errors(store: CaseStore) -> None:
    with pytest.raises(ReferenceNotFound):
        store.set_status("DJ20261128-999999", "approved")
    with pytest.raises(ReferenceNotFound):
        store.set_status("XX20261128-000001", "approved")
    registration, _ = _register(store)
    with pytest.raises(CaseRequestRefused):
        store.set_status(registration.reference, "lost")


def test_organisation_status(store: CaseStore) -> None:
    workshop = store.get_organisation_status(WORKSHOP_CODE)
    assert [(i.kind, i.status_label) for i in workshop] == [("subsidy_application", "已通过")]
    agency = store.get_organisation_status(AGENCY.credit_code)
    assert [i.status_label for i in agency] == ["审核中"]
    assert store.get_organisation_status(COOPERATIVE.credit_code) == []


# --- organisations ------------------------------------------------------------------------------------------


def test_find_and_verify_employer(store: CaseStore) -> None:
    employer = store.find_employer(WORKSHOP_CODE)
    assert isinstance(employer, EmployerRecord)
    assert (employer.name, employer.kind, employer.kind_label) == (
        WORKSHOP.name,
        "assistance_workshop",
        "就业帮扶车间",
    )
    assert store.find_employer("91371302MA3CDEM99X") is None
    assert store.verify_employer(WORKSHOP_CODE, WORKSHOP.contact_phone) == employer
    assert store.verify_employer(WORKSHOP_CODE, WORKSHOP.contact_phone[-4:]) == employer
    assert store.verify_employer(WORKSHOP_CODE, "17000000999") is None
    assert store.verify_employer("91371302MA3CDEM99X", WORKSHOP.contact_phone) is None


def test_find_and_verify_hr_agency(store: CaseStore) -> None:
    agency = store.find_hr_agency(AGENCY.credit_code)
    assert isinstance(agency, HrAgencyRecord) and agency.name == AGENCY.name
    assert store.find_hr_agency(WORKSHOP_CODE) is None
    assert store.verify_hr_agency(AGENCY.credit_code, AGENCY.contact_phone[-4:]) == agency
    assert store.verify_hr_agency(AGENCY.credit_code, "0000") is None


def test_employments_and_placements_are_listed_and_audited(store: CaseStore) -> None:
    employments = store.list_employments(WORKSHOP_CODE, access=ACCESS)
    assert [(e.id_number, e.with_work_for_training, e.received_work_for_training) for e in employments] == [
        (ZHAO.id_number, True, True)
    ]
    assert employments[0].start_date == dt.date(2021, 3, 1)
    assert "list_employments" in [e.action for e in store.audit_entries(ZHAO.id_number)]
    placements = store.list_placements(AGENCY.credit_code, access=ACCESS)
    assert [(p.id_number, p.outside_home_county, p.contract_months) for p in placements] == [(LIU.id_number, True, 12)]
    assert "list_placements" in [e.action for e in store.audit_entries(LIU.id_number)]
    assert store.list_employments(COOPERATIVE.credit_code, access=ACCESS) == []


# --- handoff and audit --------------------------------------------------------------------------------------


def test_handoff_is_created_once_per_conversation(store: CaseStore) -> None:
    handoff = store.create_handoff(conversation_id="conv-009", channel="rest", reason="补贴到账时间")
    assert re.fullmatch(r"ZR\d{8}-\d{6}", handoff.reference)
    assert (handoff.status, handoff.status_label, handoff.reason) == ("submitted", "已提交", "补贴到账时间")
    again = store.create_handoff(conversation_id="conv-009", channel="rest", reason="再问一次", id_number=LI.id_number)
    assert again.reference == handoff.reference
    assert "handoff" in [i.kind for i in store.get_status(LI.id_number, access=ACCESS)]
    other = store.create_handoff(conversation_id="conv-010", channel="rest", reason="其他")
    assert other.reference != handoff.reference
    store.set_status(handoff.reference, "completed")
    new = store.create_handoff(conversation_id="conv-009", channel="rest", reason="又有问题")
    assert new.reference != handoff.reference


def test_record_audit(store: CaseStore) -> None:
    access = AccessContext(conversation_id="conv-77", channel="rest", purpose="导出", actor="action_export")
    store.record_audit(access, id_number=WANG.id_number, action="export")
    store.record_audit(access, id_number=None, action="search")  # not tied to a person: accepted
    entries = store.audit_entries(WANG.id_number)
    assert [(e.actor, e.conversation_id, e.purpose, e.action) for e in entries] == [
        ("action_export", "conv-77", "导出", "export")
    ]

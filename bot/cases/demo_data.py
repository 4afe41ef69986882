"""The demo data set seeded into an empty case database (``make db``).

Every identity here is invented: names start with 测试, phone numbers are in the unassigned-looking
170 0000 xxxx range, and ID numbers / credit codes are made up but carry valid check characters so that the
assistant's validators accept them. The README lists the persons below for people trying the assistant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    """A made-up person."""

    id_number: str
    name: str
    phone: str
    category: str
    employment_status: str
    county: str | None = None
    township: str | None = None
    origin_province: str | None = None
    origin_county: str | None = None
    received_work_for_training: bool = False


@dataclass(frozen=True)
class DemoOrganisation:
    """A made-up employer (``kind`` set) or HR agency (``kind`` is ``None``)."""

    credit_code: str
    name: str
    county: str
    contact_phone: str
    kind: str | None = None


PERSONS: tuple[DemoPerson, ...] = (
    DemoPerson(
        "371302198503120427", "测试王芳", "17000000001", "poverty_alleviated", "unemployed",
        county="兰山区", township="柳青街道",
    ),
    DemoPerson(
        "371321199207081535", "测试李强", "17000000002", "relocated", "unemployed",
        county="沂南县", township="界湖街道",
    ),
    DemoPerson(
        "371324197809260442", "测试赵秀兰", "17000000003", "poverty_alleviated", "employed",
        county="兰陵县", township="卞庄街道", received_work_for_training=True,
    ),
    DemoPerson(
        "371325198801150012", "测试刘洋", "17000000004", "edge_of_poverty", "employed",
        county="费县", township="费城街道",
    ),
    DemoPerson(
        "500229199504211825", "测试陈静", "17000000005", "central_western_migrant", "employed",
        origin_province="重庆市", origin_county="城口县",
    ),
    DemoPerson(
        "632223199011030025", "测试马兰", "17000000006", "central_western_migrant", "unemployed",
        origin_province="青海省", origin_county="海晏县",
    ),
    DemoPerson(
        "371326197006050313", "测试孙建国", "17000000007", "edge_of_poverty", "public_welfare_post",
        county="平邑县", township="平邑街道",
    ),
)  # fmt: skip

EMPLOYERS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "91371324MA3CDEM038", "兰陵县测试服装就业帮扶车间", "兰陵县", "17000000101", "assistance_workshop"
    ),
    DemoOrganisation("93371321MA3CDEM02K", "沂南县测试果蔬种植专业合作社", "沂南县", "17000000102", "cooperative"),
    DemoOrganisation("91371302MA3CDEM016", "临沂测试食品有限公司", "兰山区", "17000000103", "enterprise"),
)
HR_AGENCIES: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("91371311MA3CDEM04G", "临沂测试人力资源服务有限公司", "罗庄区", "17000000201"),
)

# (employer credit code, person ID number, start date, contract months, with 以工代训)
EMPLOYMENTS: tuple[tuple[str, str, dt.date, int, bool], ...] = (
    ("91371324MA3CDEM038", "371324197809260442", dt.date(2021, 3, 1), 12, True),
    ("91371302MA3CDEM016", "500229199504211825", dt.date(2021, 5, 10), 12, False),
)
# (agency credit code, person ID number, destination province, county, outside home county, months, start)
PLACEMENTS: tuple[tuple[str, str, str, str, bool, int, dt.date], ...] = (
    ("91371311MA3CDEM04G", "371325198801150012", "江苏省", "昆山市", True, 12, dt.date(2021, 4, 1)),
)
# (person, work wanted, local_or_away, needs transport, wants training, status)
REGISTRATIONS: tuple[tuple[str, str, str, bool, bool, str], ...] = (
    ("371321199207081535", "电子厂普工", "away", True, False, "in_review"),
    ("632223199011030025", "家政服务", "local", False, True, "submitted"),
)
# (person, destination, departure date, party size, status)
TRANSPORT_REQUESTS: tuple[tuple[str, str, dt.date, int, str], ...] = (
    ("371321199207081535", "江苏省昆山市", dt.date(2026, 2, 24), 3, "approved"),
)
# (person, course, status)
TRAINING_ENROLMENTS: tuple[tuple[str, str, str], ...] = (("632223199011030025", "家政服务员", "submitted"),)
# (applicant kind, applicant identifier, clause, amount, beneficiary, months, status)
SUBSIDY_APPLICATIONS: tuple[tuple[str, str, int, int, str | None, int | None, str], ...] = (
    ("employer", "91371324MA3CDEM038", 1, 3000, "371324197809260442", 6, "approved"),
    ("hr_agency", "91371311MA3CDEM04G", 12, 600, "371325198801150012", None, "in_review"),
)

"""The demo data set seeded into an empty case database (``make db``), read from ``demo_data.yml``.

Every identity there is invented: names start with 测试, phone numbers are in the unassigned-looking
170 0000 xxxx range, and ID numbers / credit codes are made up but carry valid check characters so that the
assistant's validators accept them. The README lists the persons for people trying the assistant.

Rows of requests name the people and organisations they concern by ID number or credit code, under the name of
the table's relationship (``person``, ``employer``, ``agency``, ``beneficiary``, ``applicant_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


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


_DATA: dict[str, list[dict[str, Any]]] = yaml.safe_load((Path(__file__).with_suffix(".yml")).read_text("utf-8"))

PERSONS = tuple(DemoPerson(**row) for row in _DATA["persons"])
EMPLOYERS = tuple(DemoOrganisation(**row) for row in _DATA["employers"])
HR_AGENCIES = tuple(DemoOrganisation(**row) for row in _DATA["hr_agencies"])
EMPLOYMENTS = tuple(_DATA["employments"])
PLACEMENTS = tuple(_DATA["placements"])
REGISTRATIONS = tuple(_DATA["registrations"])
TRANSPORT_REQUESTS = tuple(_DATA["transport_requests"])
TRAINING_ENROLMENTS = tuple(_DATA["training_enrolments"])
SUBSIDY_APPLICATIONS = tuple(_DATA["subsidy_applications"])

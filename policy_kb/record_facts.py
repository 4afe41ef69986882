"""The facts the eligibility rules read about a person, an employer, an HR agency and a job.

Small protocols, so the case system's records (``bot.cases.records``) can be passed as they are without the
knowledge base importing them.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable


@runtime_checkable
class PersonFacts(Protocol):
    """What the rules need to know about a person (``bot.cases.records.PersonRecord`` has all of it)."""

    @property
    def category(self) -> str: ...

    @property
    def employment_status(self) -> str: ...

    @property
    def received_work_for_training(self) -> bool: ...

    @property
    def county(self) -> str | None: ...

    @property
    def origin_province(self) -> str | None: ...

    @property
    def origin_county(self) -> str | None: ...


@runtime_checkable
class EmployerFacts(Protocol):
    """What the rules need to know about an employer (``EmployerRecord``): its kind (``EMPLOYER_KIND_LABELS``)."""

    @property
    def kind(self) -> str: ...


@runtime_checkable
class HrAgencyFacts(Protocol):
    """What the rules need to know about an HR agency (``HrAgencyRecord``); no clause checks more yet."""

    @property
    def name(self) -> str: ...


@runtime_checkable
class EmploymentFacts(Protocol):
    """One person employed by an employer (``EmploymentRecord``)."""

    @property
    def person_name(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def received_work_for_training(self) -> bool: ...

    @property
    def with_work_for_training(self) -> bool: ...

    @property
    def start_date(self) -> dt.date: ...

    @property
    def contract_months(self) -> int | None: ...


@runtime_checkable
class PlacementFacts(Protocol):
    """One person placed in work by an HR agency (``PlacementRecord``)."""

    @property
    def person_name(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def outside_home_county(self) -> bool: ...

    @property
    def contract_months(self) -> int | None: ...

    @property
    def start_date(self) -> dt.date: ...

"""The organisations part of the SQL case store: employers, HR agencies, their people and applications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cases import records as rec
from bot.cases.models import (
    Employer,
    Employment,
    HrAgency,
    Person,
    Placement,
    SubsidyApplication,
)
from bot.cases.records import AccessContext
from bot.cases.sql_base import SqlStoreBase, phone_matches

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


class SqlOrganisationQueries(SqlStoreBase):
    """Employers and HR agencies: find, verify, list their people, their subsidy applications."""

    def get_organisation_status(self, credit_code: str) -> list[rec.StatusItem]:
        """See :meth:`CaseStore.get_organisation_status`."""
        code = credit_code.strip().upper()

        def unit(session: Session) -> list[rec.StatusItem]:
            query = (
                select(SubsidyApplication)
                .outerjoin(Employer, SubsidyApplication.applicant_employer_id == Employer.id)
                .outerjoin(HrAgency, SubsidyApplication.applicant_agency_id == HrAgency.id)
                .where(or_(Employer.credit_code == code, HrAgency.credit_code == code))
                .order_by(SubsidyApplication.created_at, SubsidyApplication.id)
            )
            return [self._status_item("subsidy_application", row) for row in session.execute(query).scalars()]

        return self._run(unit)

    # --- organisations ------------------------------------------------------------------------------------

    def _find_org(self, model: type[Any], credit_code: str) -> Any:
        def unit(session: Session) -> Any:
            row = session.execute(
                select(model).where(model.credit_code == credit_code.strip().upper())
            ).scalar_one_or_none()
            if row is None:
                return None
            if model is Employer:
                return rec.EmployerRecord(row.credit_code, row.name, row.kind, row.county, row.contact_phone)
            return rec.HrAgencyRecord(row.credit_code, row.name, row.county, row.contact_phone)

        return self._run(unit)

    def find_employer(self, credit_code: str) -> rec.EmployerRecord | None:
        """See :meth:`CaseStore.find_employer`."""
        return self._find_org(Employer, credit_code)

    def verify_employer(self, credit_code: str, phone: str) -> rec.EmployerRecord | None:
        """See :meth:`CaseStore.verify_employer`."""
        employer = self.find_employer(credit_code)
        return employer if employer and phone_matches(employer.contact_phone, phone) else None

    def find_hr_agency(self, credit_code: str) -> rec.HrAgencyRecord | None:
        """See :meth:`CaseStore.find_hr_agency`."""
        return self._find_org(HrAgency, credit_code)

    def verify_hr_agency(self, credit_code: str, phone: str) -> rec.HrAgencyRecord | None:
        """See :meth:`CaseStore.verify_hr_agency`."""
        agency = self.find_hr_agency(credit_code)
        return agency if agency and phone_matches(agency.contact_phone, phone) else None

    def list_employments(self, credit_code: str, *, access: AccessContext) -> list[rec.EmploymentRecord]:
        """See :meth:`CaseStore.list_employments`."""
        code = credit_code.strip().upper()
        query = (
            select(Employment, Person)
            .join(Employer, Employment.employer_id == Employer.id)
            .join(Person, Employment.person_id == Person.id)
            .where(Employer.credit_code == code)
            .order_by(Employment.start_date, Employment.id)
        )

        def record(employment: Any, person: Any) -> rec.EmploymentRecord:
            return rec.EmploymentRecord(
                employer_credit_code=code,
                id_number=person.id_number,
                person_name=person.name,
                category=person.category,
                start_date=employment.start_date,
                contract_months=employment.contract_months,
                with_work_for_training=bool(employment.with_work_for_training),
                received_work_for_training=bool(person.received_work_for_training),
            )

        return self._people_of_organisation(query, "list_employments", access, record)

    def list_placements(self, credit_code: str, *, access: AccessContext) -> list[rec.PlacementRecord]:
        """See :meth:`CaseStore.list_placements`."""
        code = credit_code.strip().upper()
        query = (
            select(Placement, Person)
            .join(HrAgency, Placement.agency_id == HrAgency.id)
            .join(Person, Placement.person_id == Person.id)
            .where(HrAgency.credit_code == code)
            .order_by(Placement.start_date, Placement.id)
        )

        def record(placement: Any, person: Any) -> rec.PlacementRecord:
            return rec.PlacementRecord(
                agency_credit_code=code,
                id_number=person.id_number,
                person_name=person.name,
                category=person.category,
                destination_province=placement.destination_province,
                destination_county=placement.destination_county,
                outside_home_county=bool(placement.outside_home_county),
                contract_months=placement.contract_months,
                start_date=placement.start_date,
            )

        return self._people_of_organisation(query, "list_placements", access, record)

    def _people_of_organisation(
        self, query: Any, action: str, access: AccessContext, record: Callable[[Any, Any], R]
    ) -> list[R]:
        """Rows of (job, person) as records, each person's read audited."""

        def unit(session: Session) -> list[R]:
            records = []
            for job, person in session.execute(query).all():
                self._audit(session, access, person.id, action)
                records.append(record(job, person))
            return records

        return self._run(unit)

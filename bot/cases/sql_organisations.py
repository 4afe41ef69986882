"""The organisations part of the SQL case store: employers, HR agencies, their people and applications."""

from __future__ import annotations

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
from bot.cases.sql_base import SqlStoreBase, phone_matches, row_to_record

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
            return row_to_record(rec.EmployerRecord if model is Employer else rec.HrAgencyRecord, row)

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
        return self._people_of(Employer, Employment, credit_code, access, rec.EmploymentRecord)

    def list_placements(self, credit_code: str, *, access: AccessContext) -> list[rec.PlacementRecord]:
        """See :meth:`CaseStore.list_placements`."""
        return self._people_of(HrAgency, Placement, credit_code, access, rec.PlacementRecord)

    def _people_of(
        self, organisation: Any, job: Any, credit_code: str, access: AccessContext, record: type[R]
    ) -> list[R]:
        """The organisation's jobs (employments or placements) with their people, each person's read audited."""
        code = credit_code.strip().upper()
        owner = job.employer_id if organisation is Employer else job.agency_id
        query = (
            select(job, Person)
            .join(organisation, owner == organisation.id)
            .join(Person, job.person_id == Person.id)
            .where(organisation.credit_code == code)
            .order_by(job.start_date, job.id)
        )
        action = "list_employments" if organisation is Employer else "list_placements"

        def unit(session: Session) -> list[R]:
            records = []
            for row, person in session.execute(query).all():
                self._audit(session, access, person.id, action)
                facts = {
                    name: getattr(person, name) for name in ("id_number", "category", "received_work_for_training")
                }
                records.append(
                    row_to_record(
                        record,
                        row,
                        employer_credit_code=code,
                        agency_credit_code=code,
                        person_name=person.name,
                        **facts,
                    )
                )
            return records

        return self._run(unit)

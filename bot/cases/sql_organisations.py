"""The organisations part of the SQL case store: employers, HR agencies, their people and applications."""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

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


class _Kind(NamedTuple):
    """One kind of organisation: its table and record, the table of its people's jobs, their record, the audit."""

    table: Any
    record: Any
    jobs: Any
    owner: str  # the jobs' column that refers to the organisation
    job_record: Any
    audit_action: str


_KINDS = {
    "employer": _Kind(
        Employer, rec.EmployerRecord, Employment, "employer_id", rec.EmploymentRecord, "list_employments"
    ),
    "hr_agency": _Kind(HrAgency, rec.HrAgencyRecord, Placement, "agency_id", rec.PlacementRecord, "list_placements"),
}


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

    def _organisation(self, kind: str, credit_code: str, phone: str | None = None) -> Any:
        """See :meth:`CaseStore._organisation`."""
        model, record = _KINDS[kind].table, _KINDS[kind].record

        def unit(session: Session) -> Any:
            row = session.execute(
                select(model).where(model.credit_code == credit_code.strip().upper())
            ).scalar_one_or_none()
            return None if row is None else row_to_record(record, row)

        found = self._run(unit)
        if found is None or phone is None:
            return found
        return found if phone_matches(found.contact_phone, phone) else None

    def _people_of(self, kind: str, credit_code: str, access: AccessContext) -> list[Any]:
        """See :meth:`CaseStore._people_of`: the jobs (employments or placements) with their people."""
        organisation, _, job, owner_column, record, action = _KINDS[kind]
        code = credit_code.strip().upper()
        owner = getattr(job, owner_column)
        query = (
            select(job, Person)
            .join(organisation, owner == organisation.id)
            .join(Person, job.person_id == Person.id)
            .where(organisation.credit_code == code)
            .order_by(job.start_date, job.id)
        )

        def unit(session: Session) -> list[Any]:
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

"""Typed, immutable view of the policy knowledge base."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

CHINESE_NUMERALS = tuple("一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split())


@dataclass(frozen=True)
class Figure:
    """A number the policy states, with its unit (``500`` ``元``)."""

    value: int | float
    unit: str

    def render(self) -> str:
        """The figure as the assistant says it: ``500元``."""
        value = int(self.value) if float(self.value).is_integer() else self.value
        return f"{value}{self.unit}"

    @property
    def number(self) -> int | float:
        """The bare number, for templates that put the unit elsewhere (``{max_per_county.number}``)."""
        return int(self.value) if float(self.value).is_integer() else self.value

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)


@dataclass(frozen=True)
class Benefit:
    """A subsidy a clause fixes in money."""

    name: str
    recipient: str
    basis: str
    amount: Figure
    max_months: Figure | None = None
    is_cap: bool = False

    @property
    def months_cap(self) -> Figure:
        """``max_months`` of a monthly benefit (the loader requires it for ``per_person_month``).

        Raises:
            ValueError: the benefit has no month limit.
        """
        if self.max_months is None:
            raise ValueError(f"{self.name}: no max_months")
        return self.max_months


@dataclass(frozen=True)
class Condition:
    """A condition (or exclusion) of a clause, as text plus the facts a rule can check.

    In ``conditions`` every fact given must hold; in ``exclusions`` a true ``person_flag`` or ``job_flag``
    disqualifies. ``requires_verification`` names what the records cannot prove and must be checked by
    staff; ``waived_for_exempt_counties`` lifts the condition for people from the clause's
    ``exempt_counties``; ``employer_kinds`` limits the kinds of employer the clause is for.
    """

    id: str
    text: str
    person_categories: tuple[str, ...] = ()
    employment_statuses: tuple[str, ...] = ()
    person_flag: str | None = None
    min_contract_months: Figure | None = None
    job_flag: str | None = None
    employer_kinds: tuple[str, ...] = ()
    requires_verification: str | None = None
    waived_for_exempt_counties: bool = False

    @property
    def contract_minimum(self) -> Figure:
        """``min_contract_months`` of a condition that sets one.

        Raises:
            ValueError: the condition sets no minimum contract length.
        """
        if self.min_contract_months is None:
            raise ValueError(f"{self.id}: no min_contract_months")
        return self.min_contract_months


@dataclass(frozen=True)
class Clause:
    """One numbered clause of a policy document."""

    document_id: str
    document_number: str
    number: str
    index: int
    section: str
    topic: str
    title: str
    text: str
    audiences: tuple[str, ...]
    beneficiaries: tuple[str, ...]
    keywords: tuple[str, ...]
    answer_template: str
    key_condition_template: str
    figures: Mapping[str, Figure] = field(default_factory=dict)
    benefit: Benefit | None = None
    conditions: tuple[Condition, ...] = ()
    exclusions: tuple[Condition, ...] = ()
    valid_until: dt.date | None = None
    valid_until_text: str | None = None
    exempt_counties: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``第（十二）条``."""
        return f"第（{self.number}）条"

    @property
    def citation(self) -> str:
        """``依据：临人社字〔2021〕88号 第（十二）条``."""
        return f"依据：{self.document_number} {self.label}"

    def render(self, template: str) -> str:
        """Fill ``{figure}`` placeholders of ``template`` with this clause's figures."""
        return template.format(**self.figures)

    @property
    def answer(self) -> str:
        """The clause's short answer with its figures filled in."""
        return self.render(self.answer_template)

    @property
    def key_condition(self) -> str:
        """The condition that most often disqualifies, figures filled in."""
        return self.render(self.key_condition_template)


@dataclass(frozen=True)
class Responsibility:
    """What one department is responsible for (the document's final paragraph)."""

    department: str
    keywords: tuple[str, ...]
    duties: str


@dataclass(frozen=True)
class Document:
    """A policy document and its clauses."""

    id: str
    number: str
    title: str
    issuers: tuple[str, ...]
    issued: dt.date
    effective_from: dt.date
    effective_until: dt.date | None
    validity_text: str
    implements_number: str
    implements_title: str
    contact_unit: str
    sections: tuple[Section, ...]
    responsibilities: tuple[Responsibility, ...]
    clauses: tuple[Clause, ...]

    def in_force(self, on: dt.date) -> bool:
        """Whether the document applies on ``on``."""
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def clause(self, number: str) -> Clause | None:
        """The clause numbered ``number`` (``一`` … ``十六``), if any."""
        return next((c for c in self.clauses if c.number == number), None)


@dataclass(frozen=True)
class Section:
    """One of the document's numbered parts."""

    number: str
    title: str


@dataclass(frozen=True)
class Hotline:
    """The service hotline offered when the assistant cannot answer."""

    number: str
    name: str

    def render(self) -> str:
        """``人力资源社会保障服务热线 12333``."""
        return f"{self.name} {self.number}"


@dataclass(frozen=True)
class KnowledgeBase:
    """All documents plus the assistant's own service facts."""

    documents: tuple[Document, ...]
    hotline: Hotline
    scope: str

    def document(self, on: dt.date) -> Document:
        """The document to answer from on ``on``: the newest one in force, else the newest issued by then."""
        in_force = [d for d in self.documents if d.in_force(on)]
        issued = [d for d in self.documents if d.issued <= on]
        pool = in_force or issued or list(self.documents)
        return max(pool, key=lambda d: d.issued)

    def clause_for_topic(self, topic: str, on: dt.date) -> Clause | None:
        """The clause on ``topic`` from the most relevant document on ``on``."""
        candidates = [d for d in self.documents if any(c.topic == topic for c in d.clauses)]
        if not candidates:
            return None
        preferred = self.document(on)
        doc = preferred if preferred in candidates else max(candidates, key=lambda d: d.issued)
        return next(c for c in doc.clauses if c.topic == topic)

    def find_clause(self, document_id: str, number: str) -> Clause | None:
        """Look a clause up by document id and number."""
        for doc in self.documents:
            if doc.id == document_id:
                return doc.clause(number)
        return None

    def document_by_id(self, document_id: str) -> Document:
        """Look a document up by id (a clause's ``document_id`` always names a loaded document).

        Raises:
            KeyError: no document has this id.
        """
        for doc in self.documents:
            if doc.id == document_id:
                return doc
        raise KeyError(document_id)

    def all_clauses(self) -> list[Clause]:
        """Every clause of every document."""
        return [c for d in self.documents for c in d.clauses]

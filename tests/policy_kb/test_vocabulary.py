"""One vocabulary: every layer reads its code lists and Chinese labels from ``policy_kb.vocabulary``.

Checked by value, not only by key: the words the eligibility rules, the records, the registration summary and
the database's CHECK constraints use are the vocabulary's, and no other module defines a code/label pair again.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from people import person
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.cases import admin
from bot.cases.records import EmployerRecord, StatusItem
from bot.cases.sql_store import build_engine
from bot.replies import registration_summary
from policy_kb import vocabulary as v
from policy_kb.eligibility import evaluate_person
from policy_kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
IN_2023 = dt.date(2023, 6, 1)
NOW = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)


# --- the lists themselves ---------------------------------------------------------------------------------------


def test_recorded_categories_are_policy_groups_plus_other() -> None:
    assert set(v.RECORDED_PERSON_CATEGORIES) - {v.OTHER_CATEGORY} <= set(v.POLICY_PERSON_CATEGORIES)
    assert v.OTHER_CATEGORY not in v.POLICY_PERSON_CATEGORIES
    assert set(v.RECORDED_PERSON_CATEGORIES) <= set(v.PERSON_CATEGORY_LABELS)


def test_public_welfare_post_label_is_the_policy_term(kb) -> None:
    # The knowledge base's clause texts are the published text verbatim (tests/policy_kb/test_loader.py).
    policy = "".join(clause.text for doc in kb.documents for clause in doc.clauses)
    assert v.EMPLOYMENT_STATUS_LABELS["public_welfare_post"] + "人员" in policy


@pytest.mark.parametrize(
    "labels",
    [v.PERSON_CATEGORY_LABELS, v.EMPLOYMENT_STATUS_LABELS, v.EMPLOYER_KIND_LABELS, v.STATUS_LABELS],
    ids=["categories", "employment", "employer_kinds", "statuses"],
)
def test_labels_are_unique(labels: dict[str, str]) -> None:
    assert len(set(labels.values())) == len(labels)


# --- the knowledge base and the rules ---------------------------------------------------------------------------


def test_clauses_name_only_vocabulary_codes(kb: KnowledgeBase) -> None:
    for document in kb.documents:
        for clause in document.clauses:
            for cond in (*clause.conditions, *clause.exclusions):
                assert set(cond.person_categories) <= set(v.POLICY_PERSON_CATEGORIES)
                assert set(cond.employment_statuses) <= set(v.EMPLOYMENT_STATUS_LABELS)
                assert set(cond.employer_kinds) <= set(v.EMPLOYER_KIND_LABELS)


@pytest.mark.parametrize("status", sorted(v.EMPLOYMENT_STATUS_LABELS))
def test_eligibility_reads_employment_status_labels(kb: KnowledgeBase, status: str) -> None:
    reasons = " ".join(r for f in evaluate_person(kb, person("other", status), IN_2023) for r in f.reasons)
    assert f"登记的就业状态是{v.EMPLOYMENT_STATUS_LABELS[status]}" in reasons


@pytest.mark.parametrize("category", ["poverty_alleviated", "edge_of_poverty", "relocated"])
def test_eligibility_reads_category_labels(kb: KnowledgeBase, category: str) -> None:
    reasons = " ".join(r for f in evaluate_person(kb, person(category), IN_2023) for r in f.reasons)
    assert f"属于{v.PERSON_CATEGORY_LABELS[category]}" in reasons


# --- records and replies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", v.RECORDED_PERSON_CATEGORIES)
def test_records_and_summary_show_the_category_label(category: str) -> None:
    assert person(category).category_label == v.PERSON_CATEGORY_LABELS[category]
    summary = registration_summary({"person_category": category, "work_location": "away"})
    assert f"人员类别：{v.PERSON_CATEGORY_LABELS[category]}" in summary
    assert f"就业意向：{v.LOCAL_OR_AWAY_LABELS['away']}" in summary


def test_records_show_status_kind_and_employment_labels() -> None:
    for status, status_label in v.STATUS_LABELS.items():
        for kind, kind_label in v.ITEM_KIND_LABELS.items():
            item = StatusItem(kind, "DJ1", status, NOW, NOW)
            assert (item.status_label, item.kind_label) == (status_label, kind_label)
    for kind, kind_label in v.EMPLOYER_KIND_LABELS.items():
        assert EmployerRecord("91371302MA3CDEM016", "单位", kind).kind_label == kind_label
    for status, status_label in v.EMPLOYMENT_STATUS_LABELS.items():
        assert person(status=status).employment_status_label == status_label


# --- the database ---------------------------------------------------------------------------------------------


def _in_list(sqltext: str) -> list[str]:
    return re.findall(r"'([a-z_]+)'", sqltext)


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('vocabulary') / 'cases.db'}"
    admin.migrate(url)
    return url


@pytest.mark.parametrize(
    ("table", "name", "codes"),
    [
        ("persons", "category", v.RECORDED_PERSON_CATEGORIES),
        ("persons", "employment_status", tuple(v.EMPLOYMENT_STATUS_LABELS)),
        ("employers", "kind", tuple(v.EMPLOYER_KIND_LABELS)),
        ("job_seeking_registrations", "local_or_away", tuple(v.LOCAL_OR_AWAY_LABELS)),
        ("job_seeking_registrations", "status", tuple(v.STATUS_LABELS)),
        ("transport_requests", "status", tuple(v.STATUS_LABELS)),
        ("training_enrolments", "status", tuple(v.STATUS_LABELS)),
        ("subsidy_applications", "status", tuple(v.STATUS_LABELS)),
        ("handoff_requests", "status", tuple(v.STATUS_LABELS)),
    ],
)
def test_migrated_check_constraints_hold_the_vocabulary(
    migrated_sqlite: str, table: str, name: str, codes: tuple[str, ...]
) -> None:
    engine = build_engine(migrated_sqlite)
    try:
        checks = {c["name"]: c["sqltext"] for c in inspect(engine).get_check_constraints(table)}
    finally:
        engine.dispose()
    assert _in_list(checks[f"ck_{table}_{name}"]) == list(codes)


def test_database_refuses_a_code_outside_the_vocabulary(migrated_sqlite: str) -> None:
    engine = build_engine(migrated_sqlite)
    insert = text(
        "INSERT INTO persons (id_number, id_number_hash, name, phone, category, employment_status,"
        " received_work_for_training, created_at, updated_at) VALUES (:id, :id, 'x', 'x', :category, 'unemployed', 0,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    try:
        with engine.begin() as conn:
            for i, category in enumerate(v.RECORDED_PERSON_CATEGORIES):
                conn.execute(insert, {"id": f"37130219900101{i:04d}", "category": category})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"id": "371302199001019999", "category": "rural_low_income_typo"})
    finally:
        engine.dispose()


# --- nothing defines a code list again -------------------------------------------------------------------------

_PAIRS = [
    (code, label)
    for labels in (
        v.PERSON_CATEGORY_LABELS,
        v.EMPLOYMENT_STATUS_LABELS,
        v.EMPLOYER_KIND_LABELS,
        v.APPLICANT_KIND_LABELS,
        v.AUDIENCE_LABELS,
        v.STATUS_LABELS,
        v.ITEM_KIND_LABELS,
        v.LOCAL_OR_AWAY_LABELS,
    )
    for code, label in labels.items()
]


def test_no_module_redefines_a_code_and_its_label() -> None:
    sources = [
        p
        for folder in ("actions", "bot", "policy_kb", "evaluation")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "vocabulary.py"
    ]
    found = []
    for path in sources:
        source = path.read_text(encoding="utf-8")
        for code, label in _PAIRS:
            if re.search(rf"""["']{code}["']\s*:\s*["']{re.escape(label)}""", source):
                found.append(f"{path.relative_to(ROOT)}: {code} → {label}")
    assert not found, found


def test_every_clause_status_has_a_validity_label() -> None:
    from policy_kb.dates import ClauseStatus
    from policy_kb.vocabulary import VALIDITY_LABELS

    assert set(VALIDITY_LABELS) == {status.value for status in ClauseStatus}

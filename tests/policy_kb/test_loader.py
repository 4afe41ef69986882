"""The knowledge base loader: the real data loads, and broken data fails with one clear message."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from policy_kb.loader import KB_ROOT, KnowledgeBaseError, load_kb
from policy_kb.model import CHINESE_NUMERALS, KnowledgeBase

DOC = "linrenshezi-2021-88"


def test_real_document_has_all_sixteen_clauses_in_four_sections(kb: KnowledgeBase) -> None:
    doc = kb.document_by_id(DOC)
    assert doc.number == "临人社字〔2021〕88号"
    assert [c.number for c in doc.clauses] == list(CHINESE_NUMERALS[:16])
    assert [s.number for s in doc.sections] == ["一", "二", "三", "四"]
    assert {c.section for c in doc.clauses} == {"一", "二", "三", "四"}
    assert len(doc.issuers) == 5
    assert doc.issued == dt.date(2021, 8, 17)
    assert doc.effective_until == dt.date(2025, 12, 31)
    assert doc.implements_number == "鲁人社字〔2021〕84号"
    assert doc.contact_unit == "市人力资源社会保障服务中心"


def test_clause_texts_are_verbatim_from_the_published_document(kb: KnowledgeBase) -> None:
    source = Path(__file__).resolve().parents[3] / "shared" / "policy" / "linrenshezi-2021-88.txt"
    if not source.exists():
        pytest.skip(f"published text not found at {source}")
    published = "".join(source.read_text(encoding="utf-8").split())
    for clause in kb.document_by_id(DOC).clauses:
        assert clause.text in published, clause.label


@pytest.mark.parametrize(
    ("number", "figure", "value"),
    [("一", "monthly_amount", 500), ("一", "max_months", 6), ("七", "max_contract_years", 1),
     ("十", "residence_months", 6), ("十二", "max_amount_per_person", 600), ("十二", "min_contract_months", 6)],
)  # fmt: skip
def test_figures_match_the_document(kb: KnowledgeBase, number: str, figure: str, value: int) -> None:
    clause = kb.document_by_id(DOC).clause(number)
    assert clause.figures[figure].value == value
    assert f"{value}" in clause.text


def test_clause_one_ends_with_2021_and_excludes_previous_recipients(kb: KnowledgeBase) -> None:
    clause = kb.document_by_id(DOC).clause("一")
    assert clause.valid_until == dt.date(2021, 12, 31)
    assert [e.person_flag for e in clause.exclusions] == ["received_work_for_training"]


def test_clause_ten_exempts_chengkou_and_haiyan(kb: KnowledgeBase) -> None:
    assert kb.document_by_id(DOC).clause("十").exempt_counties == ("重庆市城口县", "青海省海晏县")


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge base folder."""
    target = tmp_path / "policy_kb"
    shutil.copytree(KB_ROOT / "documents", target / "documents")
    shutil.copy(KB_ROOT / "service.yml", target / "service.yml")
    return target


def _edit_clause(root: Path, number: str, edit) -> None:
    path = root / "documents" / DOC / "clauses.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clause = next(c for c in data["clauses"] if c["number"] == number)
    edit(clause)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("number", "edit", "expected"),
    [
        ("十二", lambda c: c["figures"]["max_amount_per_person"].update(value="六百"), "max_amount_per_person.value"),
        ("一", lambda c: c.pop("title"), "字段 title：缺少必填字段"),
        ("七", lambda c: c.update(answer="不超过{max_years}"), "引用了不存在的 figures 项 max_years"),
        ("一", lambda c: c["benefit"].update(basis="per_year"), "benefit.basis"),
        ("三", lambda c: c.update(audiences=["farmer"]), "audiences[0]"),
        ("十", lambda c: c["conditions"][0].update(person_categories=["poor"]), "conditions[0].person_categories[0]"),
        ("一", lambda c: c.update(valid_until="2021年底"), "valid_until"),
    ],
)  # fmt: skip
def test_invalid_field_names_file_clause_and_field(kb_copy: Path, number: str, edit, expected: str) -> None:
    _edit_clause(kb_copy, number, edit)
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(kb_copy)
    message = str(info.value)
    assert "clauses.yml" in message
    assert f"第（{number}）条" in message
    assert expected in message
    assert "\n" not in message


def test_broken_yaml_names_the_file_and_line(kb_copy: Path) -> None:
    path = kb_copy / "documents" / DOC / "document.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\nbroken: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"document\.yml 第 \d+ 行：YAML 格式错误"):
        load_kb(kb_copy)


def test_a_successor_document_is_picked_up_without_code_changes(kb_copy: Path) -> None:
    successor = kb_copy / "documents" / "successor-2026"
    shutil.copytree(kb_copy / "documents" / DOC, successor)
    meta = yaml.safe_load((successor / "document.yml").read_text(encoding="utf-8"))
    meta.update(id="successor-2026", number="临人社字〔2026〕1号", issued=dt.date(2026, 1, 1),
                effective_from=dt.date(2026, 1, 1), effective_until=dt.date(2030, 12, 31))  # fmt: skip
    (successor / "document.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    path = successor / "clauses.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["clauses"][6]["figures"]["max_contract_years"]["value"] = 2
    for key in ("valid_until", "valid_until_text"):  # the successor's clause 一 has no 2021 end date
        data["clauses"][0].pop(key)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    loaded = load_kb(kb_copy)

    assert {d.id for d in loaded.documents} == {DOC, "successor-2026"}
    in_2027 = loaded.clause_for_topic("public_welfare_post", dt.date(2027, 3, 1))
    in_2023 = loaded.clause_for_topic("public_welfare_post", dt.date(2023, 3, 1))
    assert (in_2027.document_number, in_2027.figures["max_contract_years"].value) == (
        "临人社字〔2026〕1号",
        2,
    )
    assert (in_2023.document_number, in_2023.figures["max_contract_years"].value) == (
        "临人社字〔2021〕88号",
        1,
    )


def test_duplicate_document_ids_are_refused(kb_copy: Path) -> None:
    shutil.copytree(kb_copy / "documents" / DOC, kb_copy / "documents" / "copy")
    with pytest.raises(KnowledgeBaseError, match="id 重复"):
        load_kb(kb_copy)

"""Load and validate the knowledge base files under ``policy_kb/``.

Layout: ``service.yml`` plus one folder per document under ``documents/``, each with ``document.yml`` and
``clauses.yml``. A new document folder is picked up without code changes. Any invalid value stops loading
with one :class:`KnowledgeBaseError` naming the file, the clause and the field.
"""

from __future__ import annotations

import datetime as dt
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy_kb.model import (
    CHINESE_NUMERALS,
    Benefit,
    Clause,
    Condition,
    Document,
    Figure,
    Hotline,
    KnowledgeBase,
    Responsibility,
    Section,
)
from policy_kb.vocabulary import (
    AUDIENCE_LABELS,
    BENEFIT_BASES,
    EMPLOYER_KIND_LABELS,
    EMPLOYMENT_STATUS_LABELS,
    JOB_FLAG_LABELS,
    PERSON_FLAG_LABELS,
    POLICY_PERSON_CATEGORIES,
)

KB_ROOT = Path(__file__).resolve().parent


class KnowledgeBaseError(ValueError):
    """A knowledge base file is missing or has an invalid value."""


class _Reader:
    """Typed field access that reports the file, the clause and the field path on error."""

    def __init__(self, path: Path, where: str = "") -> None:
        self.path = path
        self.where = where

    def fail(self, field: str, problem: str) -> KnowledgeBaseError:
        where = f" {self.where}" if self.where else ""
        try:
            shown = self.path.relative_to(KB_ROOT.parent)
        except ValueError:
            shown = self.path
        return KnowledgeBaseError(f"{shown}{where} 字段 {field}：{problem}")

    def get(self, data: dict, key: str, kind: type | tuple, field: str, required: bool = True) -> Any:
        if not isinstance(data, dict):
            raise self.fail(field.rsplit(".", 1)[0] or field, "应为键值对")
        if key not in data or data[key] is None:
            if required:
                raise self.fail(field, "缺少必填字段")
            return None
        value = data[key]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (kind in (int, float, (int, float)) and isinstance(value, bool)):
            names = {
                str: "文字",
                int: "整数",
                float: "数字",
                (int, float): "数字",
                list: "列表",
                dict: "键值对",
                dt.date: "日期（YYYY-MM-DD）",
                bool: "true/false",
            }
            raise self.fail(field, f"应为{names.get(kind, str(kind))}，实际是 {value!r}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(field, "不能为空")
        return value

    def str_list(self, data: dict, key: str, field: str, allowed: Any = None, required: bool = False) -> tuple:
        values = self.get(data, key, list, field, required=required) or []
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{field}[{i}]", f"应为文字，实际是 {value!r}")
            if allowed is not None and value not in allowed:
                raise self.fail(f"{field}[{i}]", f"未知取值 {value!r}，可选：{', '.join(allowed)}")
        return tuple(values)


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise KnowledgeBaseError(f"{path}：文件不存在")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" 第 {mark.line + 1} 行" if mark else ""
        raise KnowledgeBaseError(f"{path}{line}：YAML 格式错误") from None
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}：顶层应为键值对")
    return data


def _placeholders(template: str) -> set[str]:
    return {name.split(".")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _figure(r: _Reader, raw: Any, field: str) -> Figure:
    value = r.get({"v": raw}, "v", dict, field)
    number = r.get(value, "value", (int, float), f"{field}.value")
    if number < 0:
        raise r.fail(f"{field}.value", "不能为负数")
    return Figure(value=number, unit=r.get(value, "unit", str, f"{field}.unit"))


def _figure_ref(r: _Reader, data: dict, key: str, field: str, figures: dict, required: bool = True):
    name = r.get(data, key, str, field, required=required)
    if name is None:
        return None
    if name not in figures:
        raise r.fail(field, f"引用了不存在的 figures 项 {name!r}")
    return figures[name]


def _condition(r: _Reader, raw: Any, field: str, figures: dict, exempt_counties: tuple) -> Condition:
    data = r.get({"c": raw}, "c", dict, field)
    condition = Condition(
        id=r.get(data, "id", str, f"{field}.id"),
        text=r.get(data, "text", str, f"{field}.text"),
        person_categories=r.str_list(data, "person_categories", f"{field}.person_categories", POLICY_PERSON_CATEGORIES),
        employment_statuses=r.str_list(
            data, "employment_statuses", f"{field}.employment_statuses", EMPLOYMENT_STATUS_LABELS
        ),
        person_flag=_choice(r, data, "person_flag", f"{field}.person_flag", PERSON_FLAG_LABELS),
        min_contract_months=_figure_ref(
            r, data, "min_contract_months", f"{field}.min_contract_months", figures, required=False
        ),
        job_flag=_choice(r, data, "job_flag", f"{field}.job_flag", JOB_FLAG_LABELS),
        employer_kinds=r.str_list(data, "employer_kinds", f"{field}.employer_kinds", EMPLOYER_KIND_LABELS),
        requires_verification=r.get(
            data, "requires_verification", str, f"{field}.requires_verification", required=False
        ),
        waived_for_exempt_counties=bool(
            r.get(data, "waived_for_exempt_counties", bool, f"{field}.waived_for_exempt_counties", False)
        ),
    )
    for key in ("text", "requires_verification"):
        unknown = _placeholders(getattr(condition, key) or "") - set(figures)
        if unknown:
            raise r.fail(f"{field}.{key}", f"引用了不存在的 figures 项 {', '.join(sorted(unknown))}")
    checkable = (
        condition.person_categories,
        condition.employment_statuses,
        condition.person_flag,
        condition.min_contract_months,
        condition.job_flag,
        condition.employer_kinds,
        condition.requires_verification,
    )
    if not any(checkable):
        raise r.fail(
            field,
            "至少要给出一项可核对的内容（person_categories、employment_statuses、person_flag、"
            "job_flag、min_contract_months、employer_kinds 或 requires_verification）",
        )
    if condition.waived_for_exempt_counties and not exempt_counties:
        raise r.fail(f"{field}.waived_for_exempt_counties", "本条没有 exempt_counties，无从豁免")
    return condition


def _choice(r: _Reader, data: dict, key: str, field: str, allowed: Any) -> str | None:
    value = r.get(data, key, str, field, required=False)
    if value is not None and value not in allowed:
        raise r.fail(field, f"未知取值 {value!r}，可选：{', '.join(allowed)}")
    return value


def _clause(path: Path, raw: Any, position: int, doc_id: str, doc_number: str, sections: set[str]) -> Clause:
    r = _Reader(path, f"第 {position + 1} 项")
    data = r.get({"c": raw}, "c", dict, "clauses[]")
    number = r.get(data, "number", str, "number")
    if number not in CHINESE_NUMERALS:
        raise r.fail("number", f"应为中文序号（一、二……二十），实际是 {number!r}")
    r = _Reader(path, f"第（{number}）条")
    section = r.get(data, "section", str, "section")
    if section not in sections:
        raise r.fail("section", f"document.yml 中没有第{section}部分")
    figures = {
        name: _figure(r, value, f"figures.{name}")
        for name, value in (r.get(data, "figures", dict, "figures", required=False) or {}).items()
    }
    benefit = None
    if data.get("benefit") is not None:
        b = r.get(data, "benefit", dict, "benefit")
        basis = r.get(b, "basis", str, "benefit.basis")
        if basis not in BENEFIT_BASES:
            raise r.fail("benefit.basis", f"未知取值 {basis!r}，可选：{', '.join(BENEFIT_BASES)}")
        recipient = r.get(b, "recipient", str, "benefit.recipient")
        if recipient not in AUDIENCE_LABELS:
            raise r.fail("benefit.recipient", f"未知取值 {recipient!r}，可选：{', '.join(AUDIENCE_LABELS)}")
        benefit = Benefit(
            name=r.get(b, "name", str, "benefit.name"),
            recipient=recipient,
            basis=basis,
            amount=_figure_ref(r, b, "amount", "benefit.amount", figures),
            max_months=_figure_ref(r, b, "max_months", "benefit.max_months", figures, required=False),
            is_cap=bool(r.get(b, "is_cap", bool, "benefit.is_cap", required=False)),
        )
        if basis == "per_person_month" and benefit.max_months is None:
            raise r.fail("benefit.max_months", "按月发放的补贴必须给出最长月数")
    templates = {}
    for key in ("answer", "key_condition"):
        template = r.get(data, key, str, key)
        unknown = _placeholders(template) - set(figures)
        if unknown:
            raise r.fail(key, f"引用了不存在的 figures 项 {', '.join(sorted(unknown))}")
        templates[key] = "".join(template.split())
    valid_until = r.get(data, "valid_until", dt.date, "valid_until", required=False)
    exempt_counties = r.str_list(data, "exempt_counties", "exempt_counties")
    conditions = tuple(
        _condition(r, c, f"conditions[{i}]", figures, exempt_counties)
        for i, c in enumerate(r.get(data, "conditions", list, "conditions", required=False) or [])
    )
    exclusions = tuple(
        _condition(r, c, f"exclusions[{i}]", figures, exempt_counties)
        for i, c in enumerate(r.get(data, "exclusions", list, "exclusions", required=False) or [])
    )
    return Clause(
        document_id=doc_id,
        document_number=doc_number,
        number=number,
        index=CHINESE_NUMERALS.index(number) + 1,
        section=section,
        topic=r.get(data, "topic", str, "topic"),
        title=r.get(data, "title", str, "title"),
        text="".join(r.get(data, "text", str, "text").split()),
        audiences=r.str_list(data, "audiences", "audiences", AUDIENCE_LABELS, required=True),
        beneficiaries=r.str_list(data, "beneficiaries", "beneficiaries", POLICY_PERSON_CATEGORIES),
        keywords=r.str_list(data, "keywords", "keywords"),
        answer_template=templates["answer"],
        key_condition_template=templates["key_condition"],
        figures=figures,
        benefit=benefit,
        conditions=conditions,
        exclusions=exclusions,
        valid_until=valid_until,
        valid_until_text=r.get(data, "valid_until_text", str, "valid_until_text", required=valid_until is not None),
        exempt_counties=exempt_counties,
    )


def load_document(folder: Path) -> Document:
    """Load one document folder (``document.yml`` + ``clauses.yml``)."""
    meta_path = folder / "document.yml"
    meta = _read_yaml(meta_path)
    r = _Reader(meta_path)
    doc_id = r.get(meta, "id", str, "id")
    number = r.get(meta, "number", str, "number")
    issued = r.get(meta, "issued", dt.date, "issued")
    effective_from = r.get(meta, "effective_from", dt.date, "effective_from")
    effective_until = r.get(meta, "effective_until", dt.date, "effective_until", required=False)
    if effective_until and effective_until < effective_from:
        raise r.fail("effective_until", "不能早于 effective_from")
    implements = r.get(meta, "implements", dict, "implements", required=False) or {}
    sections = tuple(
        Section(
            number=r.get(s, "number", str, f"sections[{i}].number"),
            title=r.get(s, "title", str, f"sections[{i}].title"),
        )
        for i, s in enumerate(r.get(meta, "sections", list, "sections"))
    )
    responsibilities = tuple(
        Responsibility(
            department=r.get(x, "department", str, f"responsibilities[{i}].department"),
            keywords=r.str_list(x, "keywords", f"responsibilities[{i}].keywords"),
            duties=r.get(x, "duties", str, f"responsibilities[{i}].duties"),
        )
        for i, x in enumerate(r.get(meta, "responsibilities", list, "responsibilities", required=False) or [])
    )
    clauses_path = folder / "clauses.yml"
    raw_clauses = _Reader(clauses_path).get(_read_yaml(clauses_path), "clauses", list, "clauses")
    section_numbers = {s.number for s in sections}
    clauses = tuple(_clause(clauses_path, raw, i, doc_id, number, section_numbers) for i, raw in enumerate(raw_clauses))
    seen: set[tuple[str, str]] = set()
    for clause in clauses:
        for key, value in (("number", clause.number), ("topic", clause.topic)):
            if (key, value) in seen:
                raise _Reader(clauses_path, clause.label).fail(key, f"重复的取值 {value!r}")
            seen.add((key, value))
        if clause.valid_until and not effective_from <= clause.valid_until:
            raise _Reader(clauses_path, clause.label).fail("valid_until", "早于文件生效日期")
    return Document(
        id=doc_id,
        number=number,
        title=r.get(meta, "title", str, "title"),
        issuers=r.str_list(meta, "issuers", "issuers", required=True),
        issued=issued,
        effective_from=effective_from,
        effective_until=effective_until,
        validity_text=r.get(meta, "validity_text", str, "validity_text"),
        implements_number=implements.get("number", ""),
        implements_title=implements.get("title", ""),
        contact_unit=r.get(meta, "contact_unit", str, "contact_unit"),
        sections=sections,
        responsibilities=responsibilities,
        clauses=clauses,
    )


def load_kb(root: Path = KB_ROOT) -> KnowledgeBase:
    """Load and validate every document under ``root/documents`` plus ``root/service.yml``."""
    service_path = root / "service.yml"
    service = _read_yaml(service_path)
    r = _Reader(service_path)
    hotline = r.get(service, "hotline", dict, "hotline")
    folders = sorted(p for p in (root / "documents").iterdir() if p.is_dir()) if (root / "documents").is_dir() else []
    if not folders:
        raise KnowledgeBaseError(f"{root / 'documents'}：没有任何政策文件")
    documents = tuple(load_document(folder) for folder in folders)
    ids = [d.id for d in documents]
    if len(set(ids)) != len(ids):
        raise KnowledgeBaseError(f"{root / 'documents'}：文件 id 重复：{', '.join(ids)}")
    return KnowledgeBase(
        documents=documents,
        hotline=Hotline(
            number=r.get(hotline, "number", str, "hotline.number"),
            name=r.get(hotline, "name", str, "hotline.name"),
        ),
        scope="".join(r.get(service, "scope", str, "scope").split()),
    )


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The project's knowledge base, loaded once per process on first use."""
    return load_kb(KB_ROOT)

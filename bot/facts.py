"""Facts people state in a question, read off the text so the rules can apply them.

"劳务输出补贴：一共20人，其中5个在户籍县内就业，3个合同只有4个月" states a total (20), a group of 5 working
inside the home county and a group of 3 with a 4-month contract. "我是甘肃的脱贫户，在临沂干了三个月了" states a
category, an origin province and three months of work there. :func:`extract_facts` returns these as a
:class:`StatedFacts`; it decides nothing: ``policy_kb.stated`` applies the clauses' conditions to them.

Only what is said is recorded. A fact nobody mentioned stays ``None`` (unknown), never a favourable default.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.validation.numerals import parse_chinese_number
from bot.validation.places import CENTRAL_PROVINCES, EASTERN_PROVINCES, PAIRED_COUNTIES, WESTERN_PROVINCES
from policy_kb.stated import INSIDE_HOME_COUNTY, NOT_TARGET, OUTSIDE_HOME_COUNTY, Group, StatedFacts

_NUM = r"[0-9]+|[零一二两三四五六七八九十百千]+"
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("边缘易致贫", "edge_of_poverty"),
    ("边缘户", "edge_of_poverty"),
    ("边缘人口", "edge_of_poverty"),
    ("易致贫", "edge_of_poverty"),
    ("易地扶贫搬迁", "relocated"),
    ("易地搬迁", "relocated"),
    ("搬迁户", "relocated"),
    ("搬迁群众", "relocated"),
    ("脱贫享受政策", "poverty_alleviated"),
    ("脱贫户", "poverty_alleviated"),
    ("脱贫人口", "poverty_alleviated"),
    ("建档立卡", "poverty_alleviated"),
    ("贫困户", "poverty_alleviated"),
)
_PERSON_NOUN = (
    r"(?:个|名|位)?\s*(?:人|脱贫户|脱贫人口|脱贫享受政策人口|边缘户|边缘易致贫人口|边缘人口|搬迁户|贫困户|建档立卡户|"
    r"工人|员工|职工|劳动力)?"
)
# A count of people: a number, a measure word or a word for people, and not a number of months, years or yuan.
_COUNT_RE = re.compile(
    rf"(?P<num>{_NUM})\s*(?:(?P<noun>(?:个|名|位)\s*(?:人|脱贫户|脱贫人口|边缘户|边缘易致贫人口|搬迁户|贫困户|建档立卡户|"
    rf"工人|员工|职工)?)|(?P<bare>人|脱贫户|脱贫人口|边缘户|边缘易致贫人口|搬迁户|贫困户|建档立卡户|工人|员工))"
    r"(?!\s*(?:月|年|元|块|岁|多月|天|小时|号|日|家|条|次|省|县(?![内里外以])|项))"
)
_MONTHS_RE = re.compile(rf"(?P<num>{_NUM}|半)\s*(?:个)?\s*(?P<unit>多?月|年)")
_HALF_YEAR_RE = re.compile(r"半年|一年半")
_ASKS_AGE_RE = re.compile(r"年龄|年纪|岁数|多大岁|超龄|上了年纪|老年人")
_AGE_RE = re.compile(rf"(?P<num>{_NUM})\s*(?:周)?岁")
_SPLIT_RE = re.compile(r"[，,。；;！!？?\n]|(?:\s+)")
_REST_RE = re.compile(r"^(?:其他|其它|其余|剩下|剩余|另外的|别的)")
_SUBGROUP_RE = re.compile(r"^(?:其中|里面|这里面|这些人里|有|另有|还有)")
_TOTAL_RE = re.compile(r"(?:一共|总共|共|合计|总计|一起)\s*(?:有|是)?\s*$")
_ALL_RE = re.compile(r"(?:都|全|全部|全都|均)")
# "吸纳了一名边缘户，这个人之前已经享受过以工代训": a later sentence about the people already counted.
_REFERS_BACK_RE = re.compile(r"^(?:这个人|这人|此人|该人|这名|这位|他|她|这些人|这几个人)")

_INSIDE_RE = re.compile(r"县内|本县|户籍县|户籍所在县内|县里|本地|家门口|本乡|在家跟前|户口所在县")
_OUTSIDE_RE = re.compile(r"外县|县外|外地|外省|省外|外市|市外|县以外|外出|出去|到外|去外")
_RECEIVED_RE = re.compile(r"(?:享受过|享受了|领过|拿过|领了|拿了|申请过|补过|已经享受|之前享受|以前享受)")
_NOT_TARGET_RE = re.compile(r"(?:不是|不属于|非)(?:脱贫|边缘|贫困|建档)?|普通|一般人|其他人员|村民$|正常户")
_CONTRACT_RE = re.compile(r"合同|协议|签")
_WORK_RE = re.compile(r"干了|干满|做了|工作了|上班|打工|务工|就业了|来临沂|在临沂|干|做满|满")
_RESIDENCE_RE = re.compile(r"住了|居住|住满|来了|待了|呆了|生活了")
_INSURANCE_RE = re.compile(r"社保|社会保险|参保|保险")
_WFT_RE = re.compile(r"以工代训|以工带训|一工代训")


def _number(text: str) -> int | None:
    if text == "半":
        return None
    try:
        return parse_chinese_number(text.replace("两", "二"))
    except ValueError:
        return None


def _months_in(text: str) -> int | None:
    """Months stated in ``text``: ``4个月`` → 4, ``一年`` → 12, ``半年`` → 6, ``一年半`` → 18."""
    if "一年半" in text:
        return 18
    match = _MONTHS_RE.search(text)
    if match:
        if match.group("num") == "半":
            return 6 if match.group("unit") == "年" else None
        value = _number(match.group("num"))
        if value is None:
            return None
        return value * 12 if match.group("unit") == "年" else value
    if "半年" in text:
        return 6
    return None


def _category_in(text: str) -> str | None:
    for word, code in _CATEGORY_WORDS:
        if word in text:
            return code
    return None


def _named_categories(text: str) -> frozenset[str]:
    """Every group of people ``text`` names and does not deny."""
    named = {code for word, code in _CATEGORY_WORDS if word in text}
    return frozenset(named - _negated_categories(text))


def _negated_categories(text: str) -> set[str]:
    """Categories the speaker says they are not: ``不是脱贫户也不是边缘户`` → both."""
    found = set()
    for match in re.finditer(r"(?:(?<!是)不是|不属于|并非|非)", text):  # "是不是" asks, it does not deny
        what = re.split(r"[也，,。；;和、但]", text[match.end() : match.end() + 8])[0]
        code = _category_in(what)
        if code:
            found.add(code)
    return found


def _affirmed_category(text: str) -> str | None:
    """The first category named that is not negated (``我不是脱贫户，是边缘户`` → 边缘易致贫人口)."""
    negated_spans = [
        (m.end(), m.end() + len(re.split(r"[也，,。；;和、但]", text[m.end() : m.end() + 8])[0]))
        for m in re.finditer(r"(?:不是|不属于|并非|非)", text)
    ]
    hits = []
    for word, code in _CATEGORY_WORDS:
        for m in re.finditer(word, text):
            if not any(a <= m.start() < b for a, b in negated_spans):
                hits.append((m.start(), code))
    return min(hits)[1] if hits else None


def _location_in(text: str) -> str | None:
    if _INSIDE_RE.search(text) and not re.search(r"县以外|县外|以外", text):
        return INSIDE_HOME_COUNTY
    if _OUTSIDE_RE.search(text):
        return OUTSIDE_HOME_COUNTY
    return None


# "一个月给多少钱" asks the monthly rate; it states no months.
_RATE_QUESTION_RE = re.compile(
    r"(?:多少钱|几块钱)?(?:一个月|每个月|每月)(?=多少|给多少|给|能补|补多少|发多少|能拿|能领|的钱)|多少钱一个月"
)


def _normalise(text: str) -> str:
    text = _RATE_QUESTION_RE.sub("", unicodedata.normalize("NFKC", text or ""))
    return text.replace("两个", "二个").replace("俩", "二个")


@dataclass
class _Mention:
    count: int
    start: int
    end: int
    noun: str


def _mentions(segment: str) -> list[_Mention]:
    out = []
    for match in _COUNT_RE.finditer(segment):
        value = _number(match.group("num"))
        noun = match.group("noun") or match.group("bare") or ""
        if value is None or not 0 < value <= 100_000:
            continue
        # "一个月" and "一年" are time; "一个" alone ("一个人都没有") is too vague to count.
        if match.group("num") in ("一",) and not noun.strip("个名位"):
            continue
        out.append(_Mention(value, match.start(), match.end(), noun))
    return out


def _group_from(count: int | None, text: str, noun: str) -> Group:
    category = _category_in(noun) or _category_in(text)
    if category is None and _NOT_TARGET_RE.search(text) and not _RECEIVED_RE.search(text):
        category = NOT_TARGET
    received = True if _RECEIVED_RE.search(text) and (_WFT_RE.search(text) or "享受" in text) else None
    contract = _months_in(text) if _CONTRACT_RE.search(text) or "只有" in text else None
    return Group(
        count=count,
        text=text,
        category=category,
        location=_location_in(text),
        contract_months=contract,
        received_work_for_training=received,
    )


def _received_by_all_counted(segment: str, total: int | None, groups: list[Group]) -> bool:
    """Whether ``segment`` says the people counted so far (one person, all, "这个人") already had 以工代训."""
    if total is None or groups or not (_RECEIVED_RE.search(segment) and _WFT_RE.search(segment)):
        return False
    return total == 1 or bool(_ALL_RE.search(segment) or _REFERS_BACK_RE.search(segment))


def _origin(text: str) -> tuple[str | None, str | None]:
    for county, province in PAIRED_COUNTIES.items():
        if county[:-1] in text:
            return province, county
    for province in (*CENTRAL_PROVINCES, *WESTERN_PROVINCES, *EASTERN_PROVINCES):
        short = re.sub(r"(?:壮族|回族|维吾尔)?(?:自治区|省|市)$", "", province)
        if re.search(rf"(?:是|从|来自|老家|户口在|老家在){short}|{short}(?:的|人|来的|过来)", text):
            return province, None
    return None, None


def extract_facts(text: str) -> StatedFacts:
    """Read the stated facts off ``text`` (see the module docstring); never raises.

    Examples:
        ``招了8个脱贫户 其中2个以前享受过以工代训 干了6个月`` → total 8 (category 脱贫), one group of 2 that
        received 以工代训, months_worked 6.
    """
    text = _normalise(text)
    segments = [s for s in _SPLIT_RE.split(text) if s]
    total: int | None = None
    groups: list[Group] = []
    said_of_all: dict[str, Any] = {}
    months_worked = residence = insurance = None
    for segment in segments:
        mentions = _mentions(segment)
        # Months (work, residence, insurance, contract) said in this segment outside any count of people.
        seg_months = _months_in(segment)
        if seg_months is not None:
            if _INSURANCE_RE.search(segment):
                insurance = seg_months
            elif _CONTRACT_RE.search(segment) and (not mentions or _ALL_RE.search(segment)):
                said_of_all.setdefault("contract_months", seg_months)
            elif _RESIDENCE_RE.search(segment):
                residence = seg_months
            elif (
                (_WORK_RE.search(segment) or _WFT_RE.search(segment))
                and not _CONTRACT_RE.search(segment)
                and (not mentions or _WFT_RE.search(segment))
            ):
                months_worked = seg_months
        if not mentions:
            if _REST_RE.search(segment) or _received_by_all_counted(segment, total, groups):
                groups.append(_group_from(None, segment, ""))
            elif _ALL_RE.search(segment) or not groups:
                location = _location_in(segment)
                if location:
                    said_of_all.setdefault("location", location)
                category = _category_in(segment)
                if category and _ALL_RE.search(segment) and not _negated_categories(segment):
                    said_of_all.setdefault("category", category)
            continue
        for i, mention in enumerate(mentions):
            after_end = mentions[i + 1].start if i + 1 < len(mentions) else len(segment)
            after = segment[mention.end : after_end]
            before = segment[: mention.start]
            is_first = total is None and not groups
            if total is None and (_TOTAL_RE.search(before) or (is_first and not _SUBGROUP_RE.search(before))):
                total = mention.count
                category = _category_in(mention.noun)
                if category:
                    said_of_all["category"] = category
                rest = after if not _category_in(after) else ""
                location = _location_in(rest or before)
                if location and not _REST_RE.search(after):
                    said_of_all.setdefault("location", location)
                continue
            described = after.strip() or before.strip()
            if _REST_RE.search(before.strip()):
                described = before + after
            groups.append(_group_from(mention.count, described, mention.noun))
    # "招了10个人，其中3个脱贫户，其他是普通村民": a group named only by a category is not an exclusion.
    negated = _negated_categories(text)
    person_category = _affirmed_category(text) if not (total or groups) else None
    origin_province, origin_county = _origin(text)
    if person_category == "poverty_alleviated" and origin_province and origin_province != "山东省":
        person_category = "central_western_migrant"
    age_match = _AGE_RE.search(text)
    age = _number(age_match.group("num")) if age_match else None
    location = said_of_all.get("location")
    if not (total or groups) and location is None:
        location = _location_in(text)
    received = True if _RECEIVED_RE.search(text) and _WFT_RE.search(text) and not (total or groups) else None
    if not (total or groups):
        contract = _months_in(text) if _CONTRACT_RE.search(text) else None
    else:
        contract = said_of_all.get("contract_months")  # type: ignore[assignment]
    return StatedFacts(
        total=total,
        groups=tuple(groups),
        category=said_of_all.get("category") or person_category,  # type: ignore[arg-type]
        not_categories=frozenset(negated),
        location=location,  # type: ignore[arg-type]
        contract_months=contract,
        months_worked=months_worked,
        residence_months=residence,
        insurance_months=insurance,
        received_work_for_training=received,
        work_for_training=bool(_WFT_RE.search(text)),
        origin_province=origin_province,
        origin_county=origin_county,
        age=age,
        asks_age=age is not None or bool(_ASKS_AGE_RE.search(text)),
        named_categories=_named_categories(text),
    )

"""Places: Linyi's counties, districts and zones, and the provinces migrants come from."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.validation.answers import ValidationError, prepare

TOWNSHIPS_FILE = Path(__file__).with_name("townships.yml")

# Official county/district names of Linyi with the 6-digit area code used in ID numbers.
LINYI_AREA_CODES: dict[str, str] = {
    "371302": "兰山区",
    "371311": "罗庄区",
    "371312": "河东区",
    "371321": "沂南县",
    "371322": "郯城县",
    "371323": "沂水县",
    "371324": "兰陵县",
    "371325": "费县",
    "371326": "平邑县",
    "371327": "莒南县",
    "371328": "蒙阴县",
    "371329": "临沭县",
}
# Functional zones the city administers like counties.
LINYI_ZONES = ("临沂高新区", "临沂经开区", "临沂临港区")
LINYI_COUNTIES: tuple[str, ...] = (*LINYI_AREA_CODES.values(), *LINYI_ZONES)

_COUNTY_ALIASES: dict[str, str] = {
    **{name[:-1]: name for name in LINYI_AREA_CODES.values()},
    "苍山": "兰陵县",  # renamed 兰陵县 in 2014; older people still say 苍山
    "高新": "临沂高新区",
    "高新技术产业开发": "临沂高新区",
    "高新技术开发": "临沂高新区",
    "经开": "临沂经开区",
    "经济开发": "临沂经开区",
    "经济技术开发": "临沂经开区",
    "临港": "临沂临港区",
    "临港经济开发": "临沂临港区",
}
_PLACE_PREFIX_RE = re.compile(r"^(?:我在|我是|俺是|俺在|家是|家在|户口在|在|山东省?|临沂市?)+")
_PLACE_SUFFIX_RE = re.compile(r"(?:的|人|这边|那边|那里|这里)+$")


@lru_cache(maxsize=1)
def townships() -> dict[str, str]:
    """Town, township or subdistrict name → its county (``李官镇`` → ``兰山区``), from ``townships.yml``."""
    data = yaml.safe_load(TOWNSHIPS_FILE.read_text(encoding="utf-8"))
    return {town: county for county, towns in data.items() for town in towns}


def township_county(text: str) -> tuple[str, str] | None:
    """The (town, county) a text names by its town: ``李官镇`` or ``李官`` → (``李官镇``, ``兰山区``)."""
    for town, county in townships().items():
        core = re.sub(r"(?:镇|乡|街道)$", "", town)
        if town in text or (len(core) >= 2 and re.search(rf"{core}(?:镇|乡|街道|的|人|$)", text)):
            return town, county
    return None


def county_in_text(text: str) -> str | None:
    """The Linyi county a longer answer names, by its name, a two-character short form or one of its towns.

    ``俺是兰山的李官镇`` → ``兰山区``; ``家是岸堤的`` → ``沂南县``. One-character short forms (``费``) are not searched
    inside text: they occur in ordinary words (免费).
    """
    for county in LINYI_COUNTIES:
        if county in text:
            return county
    for alias, county in sorted(_COUNTY_ALIASES.items(), key=lambda item: -len(item[0])):
        if len(alias) >= 2 and alias in text:
            return county
    found = township_county(text)
    return found[1] if found else None


def validate_linyi_county(text: str) -> str:
    """Normalise a Linyi county, district or zone name: ``兰山`` → ``兰山区``, ``沂南`` → ``沂南县``.

    A longer answer naming a county or one of its towns is placed too: ``俺是兰山的 李官镇`` → ``兰山区``.

    Raises:
        ValidationError: the place is not in Linyi or is not recognised.
    """
    example = "兰山区、沂南县、费县"
    raw = prepare(text, "所在县区", example)
    compact = re.sub(r"[\s,，。.!！]", "", raw)
    place = _PLACE_SUFFIX_RE.sub("", _PLACE_PREFIX_RE.sub("", compact))
    if place in LINYI_COUNTIES:
        return place
    base = re.sub(r"(?:县|区|市)$", "", place)
    if base in _COUNTY_ALIASES:
        return _COUNTY_ALIASES[base]
    named = county_in_text(compact)
    if named:
        return named
    if compact in ("临沂", "临沂市"):
        raise ValidationError(f"请说具体的县区，例如：{example}。")
    if place and len(place) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+", place):
        raise ValidationError(f"「{place}」不是临沂市的县区。请说您在临沂的县区，例如：{example}。")
    raise ValidationError(f"没有听懂是哪个县区。请说临沂的县区名，例如：{example}。")


CENTRAL_PROVINCES = ("山西省", "安徽省", "江西省", "河南省", "湖北省", "湖南省")
WESTERN_PROVINCES = (
    "内蒙古自治区", "广西壮族自治区", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip
EASTERN_PROVINCES = (
    "北京市", "天津市", "河北省", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "福建省", "山东省", "广东省", "海南省",
)  # fmt: skip
# Counties Linyi supports by pairing (对口支援, clause 10), with their province.
PAIRED_COUNTIES: dict[str, str] = {"城口县": "重庆市", "海晏县": "青海省"}
PAIRED_AREA_CODES: dict[str, str] = {"500229": "城口县", "632223": "海晏县"}


def _province_short(name: str) -> str:
    return re.sub(r"(?:壮族|回族|维吾尔)?(?:自治区|省|市)$", "", name)


def parse_origin(text: str) -> tuple[str, str | None]:
    """Province (and paired county, if named) a migrant comes from; central/western provinces only.

    ``重庆城口`` → ``("重庆市", "城口县")``, ``海晏`` → ``("青海省", "海晏县")``,
    ``四川`` → ``("四川省", None)``.

    Raises:
        ValidationError: an eastern province, Shandong itself, or an unknown place.
    """
    compact = re.sub(r"\s", "", prepare(text, "来自哪个省份", "重庆市城口县、四川省"))
    compact = re.sub(r"^(?:我是|我从|从|来自|我来自)", "", compact)
    for county, province in PAIRED_COUNTIES.items():
        if county[:-1] in compact:
            return province, county
    for province in (*CENTRAL_PROVINCES, *WESTERN_PROVINCES):
        if compact.startswith(_province_short(province)):
            return province, None
    for province in EASTERN_PROVINCES:
        if compact.startswith(_province_short(province)):
            raise ValidationError(
                f"{province}不属于中西部省份。这项政策面向来临沂就业的中西部脱贫人口；"
                "如果您是本地户籍，请说您所在的临沂县区。"
            )
    raise ValidationError("没有听懂您来自哪个省份，请说省份名称，例如：重庆市城口县、四川省、甘肃省。")

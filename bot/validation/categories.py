"""What people call themselves (脱贫户、边缘户、搬迁户……) mapped to a person-category code."""

from __future__ import annotations

import re

from bot.validation.answers import ValidationError, prepare
from policy_kb.vocabulary import OTHER_CATEGORY, RECORDED_PERSON_CATEGORIES

_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("脱贫享受政策", "poverty_alleviated"),
    ("中西部", "central_western_migrant"),
    ("外省脱贫", "central_western_migrant"),
    ("边缘易致贫", "edge_of_poverty"),
    ("易致贫", "edge_of_poverty"),
    ("边缘", "edge_of_poverty"),
    ("易地扶贫搬迁", "relocated"),
    ("易地搬迁", "relocated"),
    ("扶贫搬迁", "relocated"),
    ("搬迁", "relocated"),
    ("建档立卡", "poverty_alleviated"),
    ("脱贫", "poverty_alleviated"),
    ("贫困户", "poverty_alleviated"),
    ("贫困人口", "poverty_alleviated"),
    ("扶贫户", "poverty_alleviated"),
)
_NONE_OF_THEM = ("都不是", "都不属于", "都没有", "普通", "一般", "其他", "其它", "不是", "没有", "不清楚以外")


def validate_person_category(text: str) -> str:
    """Map what people call themselves to a category code.

    ``脱贫户``/``建档立卡户``/``贫困户`` → ``poverty_alleviated`` (脱贫享受政策人口), ``边缘户`` →
    ``edge_of_poverty``, ``搬迁户`` → ``relocated``, ``中西部脱贫人口`` → ``central_western_migrant``,
    ``都不是`` → ``other``. The official term of a code is :data:`policy_kb.vocabulary.PERSON_CATEGORY_LABELS`.
    """
    compact = re.sub(r"\s", "", prepare(text, "人员类别", "脱贫户、边缘户、搬迁户"))
    if compact in RECORDED_PERSON_CATEGORIES:
        return compact
    negated = re.match(r"^(?:我)?(?:不是|不算|没有|非)", compact) is not None
    for word, code in _CATEGORY_WORDS:
        if word in compact:
            return OTHER_CATEGORY if negated else code
    if any(word in compact for word in _NONE_OF_THEM):
        return OTHER_CATEGORY
    raise ValidationError(
        "没有听懂您属于哪一类人员。请回答：脱贫户（脱贫享受政策人口）、边缘户（边缘易致贫人口）、"
        "易地扶贫搬迁户，或者“都不是”。"
    )

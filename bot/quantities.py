"""Quantities mentioned in free questions (``招了3个脱贫户``, ``输出了十个人``)."""

from __future__ import annotations

import re
import unicodedata

from bot.validation import parse_chinese_number

# A number followed by a measure word and a word for people.
_PEOPLE_RE = re.compile(
    r"([0-9]+|[零一二两三四五六七八九十百千万]+)\s*(?:个|名|位)?\s*"
    r"(?:人|脱贫户|边缘户|搬迁户|贫困户|建档立卡户|脱贫人口|脱贫享受政策人口|边缘易致贫人口|工人|员工|职工|劳动力)"
)
_MAX_PEOPLE = 100_000


def people_count(text: str) -> int | None:
    """The number of people a question is about, or ``None`` when it names none (or several)."""
    normalized = unicodedata.normalize("NFKC", text)
    found = set()
    for match in _PEOPLE_RE.finditer(normalized):
        try:
            value = parse_chinese_number(match.group(1))
        except ValueError:
            continue
        if 0 < value <= _MAX_PEOPLE:
            found.add(value)
    return found.pop() if len(found) == 1 else None

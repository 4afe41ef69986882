"""Clause lookup by number, in every way people write it, and by title.

``第十条``, ``第（十）条``, ``第(10)条``, ``第10条``, ``十二条``, ``条款十二``, ``第 12 条`` all name clause 十;
``用好乡村公益性岗位那一条`` names clause 七 by its title. A number the document does not have (``第二十条``) is
reported as such, so the answer can say how many clauses there are instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from policy_kb.model import CHINESE_NUMERALS, Clause, Document

_NUMERAL = r"[一二三四五六七八九十]{1,3}|\d{1,2}"
_NUMBERED = (
    re.compile(rf"第\s*[（(]?\s*(?P<n>{_NUMERAL})\s*[）)]?\s*(?:条|项|款)"),
    re.compile(rf"条款\s*[（(]?\s*(?P<n>{_NUMERAL})\s*[）)]?"),
    re.compile(rf"[（(]\s*(?P<n>{_NUMERAL})\s*[）)]\s*条"),
    # 十二条 without 第: at the start, after punctuation or after a verb of looking up — never inside a phrase
    # where 一条/两条 is a count ("公益岗一条规定都没有", "有两条路"); a bare 一条 only opening the message.
    re.compile(
        r"(?:^|(?<=[\s，,。？?！!：:、看查发问说讲]))(?P<n>[二三四五六七八九十][一二三四五六七八九十]{0,2}|十|\d{1,2})"
        r"\s*条(?!件|路|线|子|街|鱼)"
    ),
    re.compile(r"^(?P<n>一)\s*条(?!件|路|线|子|街|鱼)"),
)
_ORIGINAL_RE = re.compile(r"原文|全文|条文|原话|原句|怎么写的|怎么规定的|原本|具体内容|文字")
_WHICH_RE = re.compile(r"第几条|哪一条|哪条|第几项|哪个条款|什么条款")
_QUOTES_RE = re.compile(r"[“”\"'‘’「」《》\s]")


@dataclass(frozen=True)
class ClauseReference:
    """A clause named in a message: which (``clause`` is ``None`` for a number the document lacks)."""

    number: str
    clause: Clause | None
    wants_original: bool
    asks_which: bool
    by_title: bool


def _chinese_number(token: str) -> str | None:
    """``10`` → ``十``, ``十二`` → ``十二``; ``None`` beyond the numerals the model knows."""
    if token.isdigit():
        value = int(token)
        return CHINESE_NUMERALS[value - 1] if 1 <= value <= len(CHINESE_NUMERALS) else str(value)
    return token if token in CHINESE_NUMERALS else None


def find_reference(text: str, doc: Document) -> ClauseReference | None:
    """The clause ``text`` names by number or title in ``doc``, or ``None`` when it names none."""
    compact = unicodedata.normalize("NFKC", text or "")
    wants_original = bool(_ORIGINAL_RE.search(compact))
    asks_which = bool(_WHICH_RE.search(compact))
    for pattern in _NUMBERED:
        match = pattern.search(compact)
        if match:
            number = _chinese_number(match.group("n"))
            if number is None:
                continue
            return ClauseReference(number, doc.clause(number), wants_original, asks_which, by_title=False)
    bare = _QUOTES_RE.sub("", compact)
    for clause in doc.clauses:
        title = _QUOTES_RE.sub("", clause.title)
        if title and title in bare:
            return ClauseReference(clause.number, clause, wants_original, asks_which, by_title=True)
    return None


def names_a_clause(text: str, doc: Document) -> bool:
    """Whether ``text`` names a clause by number (existing or not) or by its full title."""
    return find_reference(text, doc) is not None

"""Reading form answers that are not covered by :mod:`bot.validation`: yes/no, local/away, corrections.

Pure functions, no Rasa: the actions call them and turn :class:`~bot.validation.ValidationError` into a re-ask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.validation import ValidationError

# Agreements spelt with a negation character (没问题 = fine, 不错 = right): read before looking for a "no".
_AGREEING_IDIOMS_RE = re.compile(r"没(?:有)?问题|没错|不错|没毛病|错不了|那还用说|求之不得")
# Not an answer either way: asked again.
_UNSURE_RE = re.compile(r"不知道|不清楚|不确定|说不好|不一定|无所谓|都行|再说|考虑一下|想想")
_NO_RE = re.compile(r"不|没|无|否|别|甭|算了|免了|拉倒|no\b", re.IGNORECASE)
_YES_RE = re.compile(r"是|要|需要|对|好|坐|可以|愿意|想|行|嗯|参加|有|中|当然|必须|肯定|ok|yes|确认", re.IGNORECASE)
_AWAY_RE = re.compile(r"外地|外出|外省|省外|外县|出去|去外|外面|南方|江苏|浙江|上海|广东|北京|异地")
_LOCAL_RE = re.compile(
    r"本地|就近|当地|家门口|家附近|县里|本县|附近|不出去|不外出|就地|本村|乡里|镇上|"
    r"近点|近一点|近些|离家近|跟前|家边上|家旁边|不出远门|不想出远门|不走远|守家|照顾家"
)


def parse_yes_no(text: str, question: str) -> bool:
    """``要``/``需要``/``是的``/``没问题`` → True, ``不用``/``不需要``/``没有`` → False.

    Agreements that contain a negation character (``没问题``, ``没错``, ``不错``) are read first; after them,
    a negation wins (``好的，不用了`` → False). ``不知道``/``都行`` are not answers and are asked again.

    Raises:
        ValidationError: neither; the message repeats ``question``.
    """
    compact = unicodedata.normalize("NFKC", text or "").strip()
    if not compact or len(compact) > 30 or _UNSURE_RE.search(compact):
        raise ValidationError(f"请回答“要”或“不要”：{question}")
    rest, agreed = _AGREEING_IDIOMS_RE.subn("", compact)
    if _NO_RE.search(rest):
        return False
    if agreed or _YES_RE.search(rest):
        return True
    raise ValidationError(f"请回答“要”或“不要”：{question}")


def parse_work_location(text: str) -> str:
    """``local`` (就地就近) or ``away`` (外出务工).

    Raises:
        ValidationError: neither was recognised.
    """
    compact = unicodedata.normalize("NFKC", text or "").strip()
    if compact and len(compact) <= 40:
        if _LOCAL_RE.search(compact):
            return "local"
        if _AWAY_RE.search(compact):
            return "away"
    raise ValidationError("请回答想在“本地”就近工作，还是“外出”务工？")


# Words that name a registration field in a correction such as “手机号改成138…”. Order matters: longer first.
_FIELD_WORDS: tuple[tuple[str, str], ...] = (
    ("身份证", "id_number"),
    ("证件", "id_number"),
    ("手机", "phone"),
    ("电话", "phone"),
    ("号码", "phone"),
    ("姓名", "person_name"),
    ("名字", "person_name"),
    ("叫", "person_name"),
    ("县区", "county"),
    ("户籍", "county"),
    ("户口", "county"),
    ("所在地", "county"),
    ("县", "county"),
    ("区", "county"),
    ("类别", "person_category"),
    ("身份", "person_category"),
    ("工种", "work_wanted"),
    ("工作", "work_wanted"),
    ("想干", "work_wanted"),
    ("外出", "work_location"),
    ("本地", "work_location"),
    ("地点", "work_location"),
    ("专车", "needs_transport"),
    ("坐车", "needs_transport"),
    ("点对点", "needs_transport"),
    ("培训", "wants_training"),
)
_LEADING_CONNECTOR_RE = re.compile(r"^(?:(?:应该|应|改|换)?(?:是|为|成)|就?(?:写成?|填成?)|[:：，,\s])+")
_CORRECTION_VALUE_RE = re.compile(r"(?:改成|改为|换成|应该是|应是|是|为|:|：|错了[，,]?)\s*(.+)$")


@dataclass(frozen=True)
class Correction:
    """A field the user wants to change and the new value as typed."""

    slot: str
    value: str


def parse_correction(text: str) -> Correction | None:
    """Read ``手机号改成13800000000`` / ``县区是沂南`` / ``不坐专车`` into a field and a raw value."""
    compact = unicodedata.normalize("NFKC", text or "").strip()
    if not compact or len(compact) > 200:
        return None
    for word, slot in _FIELD_WORDS:
        if word in compact:
            after = compact.split(word, 1)[1]
            match = _CORRECTION_VALUE_RE.search(after)
            value = (match.group(1) if match else after).strip(" ，,。.")
            value = _LEADING_CONNECTOR_RE.sub("", value)
            if slot in ("needs_transport", "wants_training", "work_location") and not value:
                value = compact
            if slot in ("needs_transport", "wants_training"):
                value = compact  # the whole sentence carries the yes/no (“不坐专车了”)
            if value:
                return Correction(slot, value)
    return None


_PIECES_RE = re.compile(r"[，,；;。\s]+|还有|另外|然后|再把")


def parse_corrections(text: str) -> list[Correction]:
    """Every field a message corrects: ``县区改成河东区 想找的工作就写保洁`` → county and work wanted.

    The message is cut where a new field starts; a single correction is read as :func:`parse_correction` does.
    """
    pieces = [p for p in _PIECES_RE.split(unicodedata.normalize("NFKC", text or "")) if p.strip()]
    found = [c for c in (parse_correction(p) for p in pieces) if c is not None]
    slots = [c.slot for c in found]
    if len(found) >= 2 and len(set(slots)) == len(slots):
        return found
    single = parse_correction(text)
    return [single] if single else []


# "…，哎不对，…": the speaker corrects themself in the middle of an answer.
_SELF_CORRECTION_RE = re.compile(
    r"[，,。.;；!！\s]*(?:哎呀|哎|唉|哦|噢|诶|呃)?[，,\s]*"
    r"(?:不对不对|不对|说错了|搞错了|弄错了|记错了|更正一下|纠正一下)[了啊呀]?[，,。.!！\s]*"
)


def split_self_correction(text: str) -> tuple[str, str] | None:
    """``脱贫户。哎不对 俺户口前年迁到河东区了`` → (``脱贫户``, ``俺户口前年迁到河东区了``).

    The answer before the correction (``""`` when the message starts with it) and what follows; ``None`` when
    the message corrects nothing or the correction says nothing more (a bare ``不对`` is a no).
    """
    compact = unicodedata.normalize("NFKC", text or "").strip()
    match = _SELF_CORRECTION_RE.search(compact)
    if match is None:
        return None
    before, after = compact[: match.start()].strip(" ，,。."), compact[match.end() :].strip(" ，,。.")
    return (before, after) if after else None

"""Normalise what people type before NLU, keeping a map back to the original characters.

:func:`normalize` rewrites a message in seven steps, each of which keeps, for every character it outputs,
the span of the original text that character came from:

1. characters: zero-width characters and emoji removed; full-width letters, digits and ASCII symbols made
   half-width (NFKC), while the Chinese punctuation ``！，：；？（）`` is kept as typed; the ideographic space
   becomes a space; traditional and variant characters become simplified (:mod:`bot.nlu.variants`);
2. whitespace runs become one space, and the ends are stripped;
3. repeated punctuation is collapsed (``？？？`` → ``？``, ``!!!!`` → ``!``);
4. the noise of calls and voice input (``喂喂能听见不``, ``那个啥``, a lone ``嗯``, a leading ``你好``) is cut out
   (:func:`policy_kb.message.filler_free_positions`) when enough of the message remains to say something, so the
   classifier reads what the caller asks rather than the greeting; a message of only noise is kept as it is;
5. Chinese numerals that are quantities become digits (``五百元`` → ``500元``, ``三个人`` → ``3个人``,
   ``两千五`` → ``2500``); numerals inside words (``一起``, ``万一``, ``十分``, ``统一``, ``一县一品``,
   ``第一``, ``正月初八``, ``一次性``) stay as they are;
6. long letter-and-digit codes (ID numbers with ``x``, credit codes) are upper-cased, as the regexes expect;
7. a word of the knowledge base written with same-sounding characters, as voice input does, is put back
   (``劳务书出补贴`` → ``劳务输出补贴``, :mod:`policy_kb.homophones`), character for character.

Nothing here knows about Rasa; :mod:`bot.nlu.normalizer` and :mod:`bot.nlu.span_restorer` wrap it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.characters import is_emoji
from bot.nlu.variants import variant_table
from bot.validation.numerals import parse_chinese_number
from policy_kb.homophones import default_repair
from policy_kb.message import filler_free_positions

# Full-width punctuation that Chinese text uses as such: kept, so a sentence keeps its Chinese punctuation.
CHINESE_PUNCTUATION = frozenset("！，：；？（）")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200e\u200f\u2060\ufeff")
# Punctuation whose repetition adds nothing; characters in one group collapse into the first of the run.
_REPEAT_GROUPS = ("?？", "!！", "，,", "。", "、", "~～", "…", "；;")
_REPEAT_CLASS = {char: index for index, group in enumerate(_REPEAT_GROUPS) for char in group}
_CODE_RE = re.compile(r"[0-9A-Za-z]{15,}")

# --- numerals -----------------------------------------------------------------------------------------------

_NUMERAL_DIGITS = "零〇一二两三四五六七八九"
_NUMERAL_RUN_RE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_DIGIT_VALUE = {char: str(index) for index, char in enumerate("零一二三四五六七八九")} | {"〇": "0", "两": "2"}
# Measure words and units after which a numeral is a quantity. Longest first, so 分钟 wins and 分 (十分) is
# not a unit at all.
_UNITS = (
    "个月", "小时", "分钟", "星期", "个", "人", "名", "位", "户", "家", "元", "块", "毛", "角", "月", "年",
    "天", "周", "岁", "次", "批", "趟", "辆", "台", "项", "份", "倍", "亩", "间", "座",
)  # fmt: skip
# A numeral followed by one of these stays a word even though a unit follows: 一次性, 一家人, 一个劲, 一天到晚.
_NOT_QUANTITY_AFTER = ("次性", "家人", "个劲", "天到晚", "年到头")
# Characters before a numeral that make it part of a word or an ordinal: 第一, 初八, 统一, 唯一, 之一, 老三,
# 同一个 (the same), 另一个 (another), 逐一, 单一, 专一.
_NOT_QUANTITY_BEFORE = frozenset("第初统唯之老同另逐单专")
_APPROXIMATE = frozenset("多余来")


@dataclass(frozen=True)
class Normalized:
    """A normalised text and, for each of its characters, the span of the original text it came from.

    Attributes:
        text: the normalised text.
        original: the text as the user typed it.
        starts: ``starts[i]`` is where the original of ``text[i]`` starts.
        ends: ``ends[i]`` is where the original of ``text[i]`` ends (exclusive).
    """

    text: str
    original: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the normalised span ``text[start:end]`` came from.

        An empty span maps to the empty span before the character at ``start`` (or at the original's end).
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside the normalised text of length {len(self.text)}")
        if start == end:
            position = self.starts[start] if start < len(self.text) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]

    def to_normalized(self, start: int, end: int) -> tuple[int, int]:
        """The smallest span of the normalised text covering what came from ``original[start:end]``.

        Characters of the span that were removed (emoji, spaces) need no counterpart; a span that was
        removed entirely maps to the empty span where it would have been.
        """
        if not 0 <= start <= end <= len(self.original):
            raise ValueError(f"span {start}:{end} outside the original text of length {len(self.original)}")
        inside = [i for i, (s, e) in enumerate(zip(self.starts, self.ends, strict=True)) if s < end and e > start]
        if not inside:
            position = next((i for i, s in enumerate(self.starts) if s >= start), len(self.text))
            return position, position
        return inside[0], inside[-1] + 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a Rasa message (lists of ints and strings only)."""
        return {"original": self.original, "starts": list(self.starts), "ends": list(self.ends)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], text: str) -> Normalized:
        """Rebuild from :meth:`to_dict` and the normalised text it belongs to."""
        return cls(text, data["original"], tuple(data["starts"]), tuple(data["ends"]))


# A character of the text being rewritten, with the original span it stands for.
_Char = tuple[str, int, int]


@functools.cache
def _variants() -> dict[str, str]:
    return variant_table()


def _map_character(char: str) -> str:
    """Half-width, compatibility and variant mapping of one character ('' to drop it)."""
    code = ord(char)
    if char in _ZERO_WIDTH or is_emoji(char):
        return ""
    if char == "\u3000":
        return " "
    if (0xFF01 <= code <= 0xFF5E and char not in CHINESE_PUNCTUATION) or 0xFFE0 <= code <= 0xFFE6:
        return unicodedata.normalize("NFKC", char)
    if 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F:  # CJK compatibility ideographs
        mapped = unicodedata.normalize("NFKC", char)
        char = mapped if len(mapped) == 1 else char
    return _variants().get(char, char)


def _map_characters(original: str) -> list[_Char]:
    out: list[_Char] = []
    for index, char in enumerate(original):
        out.extend((c, index, index + 1) for c in _map_character(char))
    return out


def _upper_codes(chars: list[_Char]) -> list[_Char]:
    text = "".join(c for c, _, _ in chars)
    out = list(chars)
    for match in _CODE_RE.finditer(text):
        if sum(c.isdigit() for c in match.group()) >= 6:
            for i in range(match.start(), match.end()):
                char, start, end = out[i]
                out[i] = (char.upper(), start, end)
    return out


def _merge(run: Sequence[_Char], keep: str) -> _Char:
    """One character standing for a whole run of characters."""
    return keep, run[0][1], run[-1][2]


def _collapse_whitespace(chars: list[_Char]) -> list[_Char]:
    out: list[_Char] = []
    for char in chars:
        if char[0].isspace():
            if out and out[-1][0] == " ":
                out[-1] = _merge((out[-1], char), " ")
            else:
                out.append((" ", char[1], char[2]))
        else:
            out.append(char)
    while out and out[0][0] == " ":
        out.pop(0)
    while out and out[-1][0] == " ":
        out.pop()
    return out


def _collapse_punctuation(chars: list[_Char]) -> list[_Char]:
    out: list[_Char] = []
    for char in chars:
        group = _REPEAT_CLASS.get(char[0])
        if group is not None and out and _REPEAT_CLASS.get(out[-1][0]) == group:
            out[-1] = _merge((out[-1], char), out[-1][0])
        else:
            out.append(char)
    return out


def chinese_numeral_value(run: str) -> str | None:
    """Digits for a run of Chinese numerals read as a number, or ``None`` if it is not one.

    ``五百`` → ``500``, ``两千五`` → ``2500``, ``二十`` → ``20``, ``二〇二一`` → ``2021``, ``三`` → ``3``;
    ``万一``, ``千万``, ``三五`` (three or five), ``十十`` → ``None``.
    """
    if not run or "亿" in run:
        return None
    if not any(c in "十百千万" for c in run):
        if len(run) == 1:
            return _DIGIT_VALUE[run]
        # Digit by digit only where that is how it is read: years (二〇二一) and long numbers, not 三五.
        if len(run) >= 3 or any(c in "零〇" for c in run):
            return "".join(_DIGIT_VALUE[c] for c in run)
        return None
    if run[0] not in _NUMERAL_DIGITS and run[0] != "十":
        return None
    try:
        return str(parse_chinese_number(run))
    except ValueError:
        return None


def _unit_after(text: str, position: int) -> str | None:
    """The unit starting at ``position`` (after an optional 多/余/来), or ``None``."""
    if position < len(text) and text[position] in _APPROXIMATE:
        position += 1
    return next((unit for unit in _UNITS if text.startswith(unit, position)), None)


def _is_quantity(text: str, start: int, end: int) -> bool:
    run = text[start:end]
    if start > 0 and text[start - 1] in _NOT_QUANTITY_BEFORE:
        return False
    if any(text.startswith(word, end) for word in _NOT_QUANTITY_AFTER):
        return False
    if any(c in "百千万" for c in run):
        return True  # 两千五, 五百: a number whether or not a unit follows
    has_approximate = end < len(text) and text[end] in _APPROXIMATE
    if has_approximate and "十" not in run:
        return False  # 一来 (firstly), 三多: only 二十多 / 十来 are approximate numbers
    unit = _unit_after(text, end)
    if unit is None:
        return False
    # 一块 is "together" unless money follows (一块钱); 一家 before 人 is a family, caught above.
    return not (run == "一" and unit == "块" and not text.startswith("块钱", end))


# What must remain, in letters and digits, for the noise to be cut out (``喂 你好`` stays a greeting).
_MIN_AFTER_FILLER = 4


def _drop_filler(chars: list[_Char]) -> list[_Char]:
    text = "".join(c for c, _, _ in chars)
    kept = [chars[i] for i in filler_free_positions(text)]
    if len(kept) == len(chars) or sum(c.isalnum() for c, _, _ in kept) < _MIN_AFTER_FILLER:
        return chars
    while kept and (kept[0][0].isspace() or unicodedata.category(kept[0][0]).startswith("P")):
        kept.pop(0)
    return _collapse_whitespace(kept)


def _convert_numerals(chars: list[_Char]) -> list[_Char]:
    text = "".join(c for c, _, _ in chars)
    out: list[_Char] = []
    position = 0
    for match in _NUMERAL_RUN_RE.finditer(text):
        start, end = match.span()
        digits = chinese_numeral_value(match.group())
        if digits is None or not _is_quantity(text, start, end):
            continue
        out.extend(chars[position:start])
        run = chars[start:end]
        out.extend(_merge(run, digit) for digit in digits)
        position = end
    out.extend(chars[position:])
    return out


def _repair_homophones(chars: list[_Char]) -> list[_Char]:
    repaired = default_repair().repair("".join(c for c, _, _ in chars))
    return [(new, start, end) for new, (_, start, end) in zip(repaired, chars, strict=True)]


def normalize(original: str) -> Normalized:
    """Normalise a message for NLU and keep the map back to the original characters.

    Args:
        original: the text as the user typed it.

    Returns:
        The normalised text with, for each character, the span of ``original`` it came from.
    """
    chars = _map_characters(original)
    chars = _collapse_whitespace(chars)
    chars = _collapse_punctuation(chars)
    chars = _drop_filler(chars)
    chars = _convert_numerals(chars)
    chars = _upper_codes(chars)
    chars = _repair_homophones(chars)
    return Normalized(
        text="".join(c for c, _, _ in chars),
        original=original,
        starts=tuple(s for _, s, _ in chars),
        ends=tuple(e for _, _, e in chars),
    )


def normalize_text(original: str) -> str:
    """Only the normalised text of :func:`normalize`."""
    return normalize(original).text

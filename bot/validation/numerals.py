"""Chinese numerals: ``三千零五`` → 3005, ``两千五`` → 2500, and back (``format_chinese_number``)."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "仨": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
    "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS) + "万"
NUMBER_RUN_RE = re.compile(rf"[0-9][0-9,]*(?:\.[0-9]+)?[{_NUMERAL_CHARS}]*|[{_NUMERAL_CHARS}]+")
# Words that contain numeral characters without meaning a number (unless a numeral comes right before).
NON_NUMERAL_RE = re.compile(
    rf"(?<![0-9{_NUMERAL_CHARS}])(?:一共|一起|一下|一点|一些|一直|一般|一定|一样|万一|十分|千万)"
)


def _parse_below_10000(text: str) -> int:
    """``三千零五`` → 3005; ``两千五`` → 2500 (a trailing digit after a unit is one unit lower)."""
    total, digit, last_unit, zero_seen = 0, None, 10000, False
    for char in text:
        if char in _DIGITS:
            if digit is not None:
                raise ValueError(text)
            digit = _DIGITS[char]
            zero_seen = zero_seen or digit == 0
            if digit == 0:
                digit = None
        else:
            unit = _UNITS[char]
            if unit >= last_unit:
                raise ValueError(text)
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero_seen = None, unit, False
    if digit is not None:
        # 两千五 = 2500, 一百二 = 120; but 一千零五 = 1005 and a bare digit is itself.
        total += digit * (last_unit // 10 if last_unit < 10000 and not zero_seen and last_unit > 10 else 1)
    return total


def parse_chinese_number(text: str) -> int:
    """Parse a whole number in Chinese, Arabic or mixed: ``两千五`` → 2500, ``十二`` → 12, ``5千`` → 5000.

    Raises:
        ValueError: the text is not a number (callers turn this into a :class:`ValidationError`).
    """
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not text:
        raise ValueError(text)
    if re.fullmatch(r"\d+", text):
        return int(text)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([十百千万]+)", text)
    if match:
        factor = 1
        for unit in match.group(2):
            factor *= 10000 if unit == "万" else _UNITS[unit]
        value = float(match.group(1)) * factor
        if value != int(value):
            raise ValueError(text)
        return int(value)
    if any(c not in _NUMERAL_CHARS for c in text):
        raise ValueError(text)
    if text.count("万") > 1:
        raise ValueError(text)
    if "万" in text:
        high, low = text.split("万")
        if not high:
            raise ValueError(text)
        high_value = _parse_below_10000(high)
        if low and low[0] in _DIGITS and len(low) == 1 and low not in "零〇":
            return high_value * 10000 + _DIGITS[low] * 1000  # 一万二 = 12000
        return high_value * 10000 + (_parse_below_10000(low) if low else 0)
    return _parse_below_10000(text)


_FORMAT_DIGITS = "零一二三四五六七八九"


def format_chinese_number(value: int) -> str:
    """Write 0–99,999,999 in standard Chinese numerals: 12 → 十二, 1005 → 一千零五, 20000 → 二万."""
    if not 0 <= value < 10**8:
        raise ValueError("value out of range")
    if value == 0:
        return "零"

    def below_10000(n: int, leading: bool) -> str:
        out, pending_zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // unit % 10
            if digit == 0:
                pending_zero = bool(out) or not leading
                continue
            if pending_zero and (out or not leading):
                out += "零"
            pending_zero = False
            if not (unit == 10 and digit == 1 and not out and leading):
                out += _FORMAT_DIGITS[digit]
            out += name
        return out

    high, low = divmod(value, 10000)
    if not high:
        return below_10000(low, leading=True)
    text = below_10000(high, leading=True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10000(low, leading=False).lstrip("零")
    return text

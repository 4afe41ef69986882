"""Departure dates as people say them: 正月初八 (Spring Festival table), 下周一, 3月5日."""

from __future__ import annotations

import datetime as dt
import re

from bot.validation.answers import ValidationError, prepare
from bot.validation.numerals import parse_chinese_number

# Gregorian date of the Spring Festival (正月初一). Fixed, well-known dates.
SPRING_FESTIVAL: dict[int, dt.date] = {
    year: dt.date(year, month, day)
    for year, month, day in (
        (2020, 1, 25), (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29),
        (2026, 2, 17), (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23),
        (2032, 2, 11), (2033, 1, 31), (2034, 2, 19), (2035, 2, 8), (2036, 1, 28), (2037, 2, 15),
        (2038, 2, 4), (2039, 1, 24), (2040, 2, 12),
    )
}  # fmt: skip
MAX_DAYS_AHEAD = 366
# A departure further ahead than this (and the year not said) is confirmed before it is saved.
CONFIRM_AFTER_DAYS = 183
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_DATE_EXAMPLE = "正月初八、下周一、3月5日"


def _lunar_first_month(day: int, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        if year not in SPRING_FESTIVAL:
            break
        candidate = SPRING_FESTIVAL[year] + dt.timedelta(days=day - 1)
        if candidate >= today:
            return candidate
    raise ValidationError("这个农历日期超出了可以换算的范围，请直接说公历日期，例如：3月5日。")


def _lunar_day_number(text: str) -> int:
    if text.startswith("初"):
        value = parse_chinese_number(text[1:])
        if not 1 <= value <= 10:
            raise ValueError(text)
        return value
    if text.startswith("廿"):
        return 20 + parse_chinese_number(text[1:])
    return parse_chinese_number(text)


def _lunar_example(today: dt.date) -> str:
    """The Gregorian date of the coming 正月初十, as an example (``2月15日``)."""
    try:
        day = _lunar_first_month(10, today)
    except ValidationError:
        return "3月5日"
    return f"{day.month}月{day.day}日"


def is_iso_date(value: str) -> bool:
    """Whether ``value`` is an ISO date (``2027-02-15``): a departure day already read and stored."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def needs_confirmation(text: str, day: dt.date, today: dt.date) -> str | None:
    """A question to confirm ``day`` before saving it, when the answer did not say the year and the date is far.

    "11月20日" said on 2026-12-01 is read as 2027-11-20: almost a year ahead, more likely a slip than a plan,
    so it is confirmed instead of saved silently. Dates within six months, or with the year said, need none.
    """
    if re.search(r"\d{4}|年", text or "") and not re.search(r"过完年|过了年|年后|明年", text or ""):
        return None
    if (day - today).days <= CONFIRM_AFTER_DAYS:
        return None
    return (
        f"您说的是{day.year}年{day.month}月{day.day}日出发吗？离现在还有{(day - today).days}天。"
        "回复“是”确认，或者说别的日期。"
    )


def _check_range(day: dt.date, today: dt.date) -> dt.date:
    if day < today:
        raise ValidationError("出发日期不能早于今天，请说今天或以后的日期，例如：明天、下周一、3月5日。")
    if (day - today).days > MAX_DAYS_AHEAD:
        raise ValidationError("出发日期太远了，请说一年以内的日期。")
    return day


def parse_departure_date(text: str, today: dt.date) -> dt.date:
    """Understand a departure date and return it; never a date before ``today``.

    Understands ``正月初八``/``大年初八``/``初八``/``正月十五``/``元宵节`` (via the Spring Festival table),
    ``今天``/``明天``/``后天``/``大后天``, ``周五``/``下周一``/``下下周三``/``这周六``,
    ``3月5日``/``三月五号``/``3.5``/``3/5`` (the next such day not before today) and
    ``2027-03-05``/``2027年3月5日``, ``过了正月十五``/``元宵节以后`` (正月十六), and a leading ``改成``/``改到``
    (also ``把出行时间改成…``).
    ``过完年``/``年后`` name no day: the error asks which day.

    Raises:
        ValidationError: unrecognised text, an impossible date, a date in the past or over a year ahead.
    """
    raw = prepare(text, "出发日期", _DATE_EXAMPLE)
    compact = re.sub(r"[\s,，。!！]", "", raw)
    compact = re.sub(r"^(?:不对|不是|错了|说错了|哎|唉)+", "", compact)
    for _ in range(2):  # "我想把专车的出发时间改到…": who, what and the verb, in either order
        compact = re.sub(r"^(?:我们?|俺们?|咱们?)?(?:打算|准备|计划|想)?(?:在)?", "", compact)
        compact = re.sub(
            r"^(?:帮我|请)?把?(?:点对点|专车|出行|坐车)?的?(?:出发日期|出发时间|日期|时间|日子)?"
            r"(?:改成|改到|换成|换到|改为|调到|推到|挪到|改)?",
            "",
            compact,
        )
    compact = re.sub(r"(?:出发|走|动身|去|的时候|左右|那天|吧|前后|再走|就走)+$", "", compact)

    # "After the Lantern Festival" is a day; "after the New Year" is a season: ask which day, never guess.
    if re.fullmatch(
        r"(?:过了|过完|等过了|等过完)(?:正月)?(?:十五|元宵节?)(?:以后|之后|后)?|(?:正月十五|元宵节?)(?:以后|之后|过后|后)",
        compact,
    ):
        return _lunar_first_month(16, today)
    if re.fullmatch(
        r"(?:过完年|过了年|过年(?:以后|之后|后)|年后|年(?:以后|之后)|春节(?:以后|之后|后)|开春|开了春|年初)", compact
    ):
        raise ValidationError(f"“{raw}”具体是哪一天？请说个日子，例如：正月初八、正月十六、{_lunar_example(today)}。")

    if compact in _RELATIVE_DAYS:
        return _check_range(today + dt.timedelta(days=_RELATIVE_DAYS[compact]), today)
    if compact in ("元宵节", "元宵", "正月十五"):
        return _lunar_first_month(15, today)
    if compact in ("春节", "大年初一", "过年"):
        return _lunar_first_month(1, today)

    lunar = re.fullmatch(r"(?:农历)?(?:正月|大年)?((?:初|廿)?[一二三四五六七八九十0-9]+)", compact)
    if lunar and (compact.startswith(("正月", "大年", "农历", "初"))):
        try:
            day = _lunar_day_number(lunar.group(1))
        except ValueError:
            day = 0
        if not 1 <= day <= 29:
            raise ValidationError(f"没有听懂这个农历日期，请换个说法，例如：{_DATE_EXAMPLE}。")
        return _lunar_first_month(day, today)

    week = re.fullmatch(r"(下{0,2}|这|本|这个|下个)?(?:周|星期|礼拜)([一二三四五六日天末1-7])", compact)
    if week:
        prefix, name = week.group(1) or "", week.group(2)
        weekday = int(name) - 1 if name.isdigit() else _WEEKDAYS[name]
        monday = today - dt.timedelta(days=today.weekday())
        weeks_ahead = {"": 0, "这": 0, "本": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2}[prefix]
        candidate = monday + dt.timedelta(weeks=weeks_ahead, days=weekday)
        if not prefix and candidate < today:
            candidate += dt.timedelta(weeks=1)
        return _check_range(candidate, today)

    full = re.fullmatch(r"(\d{4})(?:[-./年])(\d{1,2})(?:[-./月])(\d{1,2})(?:日|号)?", compact)
    if full:
        year, month, day = (int(g) for g in full.groups())
        try:
            day_given = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(f"{year}年{month}月{day}日不是有效日期，请核对后重新输入。") from None
        return _check_range(day_given, today)

    short = re.fullmatch(
        r"([0-9一二三四五六七八九十]{1,3})(?:月|\.|/|-)([0-9一二三四五六七八九十]{1,3})(?:日|号)?", compact
    )
    if short:
        try:
            month, day = parse_chinese_number(short.group(1)), parse_chinese_number(short.group(2))
        except ValueError:
            month, day = 0, 0
        valid = False
        for year in (today.year, today.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue
            valid = True
            if candidate >= today:
                return _check_range(candidate, today)
        if not valid:
            raise ValidationError(f"{month}月{day}日不是有效日期，请核对后重新输入。")
    raise ValidationError(f"没有听懂出发日期，请换个说法，例如：{_DATE_EXAMPLE}。")

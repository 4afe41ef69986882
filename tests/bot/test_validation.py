"""Validators of user answers: table-driven cases plus property-based tests (hypothesis)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot import validation as v
from bot.validation import ValidationError

TODAY = dt.date(2026, 11, 28)  # a Saturday
VALID_ID = "11010519491231002X"  # the GB 11643 standard's own example
VALID_CODE = "91350100M000100Y43"  # a published GB 32100 example


def _raises(fn, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    message = info.value.message
    assert message and message == str(info.value)
    return message


# --- input bounds shared by every validator -----------------------------------------------------------------

BAD_INPUTS = [
    ("", "没有收到"),
    ("   \t ", "没有收到"),
    ("5" * 2000, "太长"),
    ("😀😀", "表情"),
    ("371302👍", "表情"),
]
VALIDATORS = [
    pytest.param(lambda t: v.validate_id_number(t, TODAY), id="id_number"),
    pytest.param(v.validate_mobile, id="mobile"),
    pytest.param(v.validate_phone_last4, id="last4"),
    pytest.param(v.validate_credit_code, id="credit_code"),
    pytest.param(v.validate_linyi_county, id="county"),
    pytest.param(v.validate_person_category, id="category"),
    pytest.param(v.validate_name, id="name"),
    pytest.param(v.validate_party_size, id="party_size"),
    pytest.param(v.validate_contract_months, id="contract_months"),
    pytest.param(v.validate_amount_yuan, id="amount"),
    pytest.param(lambda t: v.parse_departure_date(t, TODAY), id="departure_date"),
    pytest.param(lambda t: v.validate_free_text(t, what="求职意向", example="电工"), id="free_text"),
    pytest.param(v.parse_origin, id="origin"),
]


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize(("text", "fragment"), BAD_INPUTS)
def test_bad_inputs_are_refused_with_a_reask(validator, text: str, fragment: str) -> None:
    assert fragment in _raises(validator, text)


@pytest.mark.parametrize("validator", VALIDATORS)
def test_a_reask_never_echoes_what_was_typed(validator) -> None:
    try:
        result = validator("Robert'); DROP TABLE persons;--")
    except ValidationError as error:
        assert "DROP" not in error.message
    else:  # the stores bind values as parameters, so such text is only ever data
        assert result in (1, "Robert'); DROP TABLE persons;--") or isinstance(result, str)


@pytest.mark.parametrize("validator", VALIDATORS)
def test_none_is_refused(validator) -> None:
    assert "没有收到" in _raises(validator, None)


# --- ID numbers ---------------------------------------------------------------------------------------------


def _with_check(first17: str) -> str:
    return first17 + v.id_check_digit(first17)


AREA_CODES = sorted(v.LINYI_AREA_CODES) + sorted(v.PAIRED_AREA_CODES)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(AREA_CODES))
    birth = draw(st.dates(min_value=dt.date(1927, 1, 1), max_value=dt.date(2010, 11, 28)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return _with_check(f"{area}{birth:%Y%m%d}{sequence:03d}")


@given(valid_ids())
def test_property_generated_ids_validate(id_number: str) -> None:
    assert v.validate_id_number(id_number, TODAY) == id_number
    assert v.validate_id_number(id_number.lower(), TODAY) == id_number


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_property_one_changed_digit_is_rejected(id_number: str, position: int, delta: int) -> None:
    chars = list(id_number)
    if chars[position] == "X":
        chars[position] = str(delta)
    else:
        chars[position] = str((int(chars[position]) + delta) % 10)
    mutated = "".join(chars)
    # Every single-character change is caught: by the check digit, or earlier by the date/area checks.
    with pytest.raises(ValidationError):
        v.validate_id_number(mutated, TODAY)


@given(valid_ids())
def test_property_age_is_between_16_and_100(id_number: str) -> None:
    age = v.age_on(v.id_birth_date(id_number), TODAY)
    assert v.MIN_AGE <= age <= v.MAX_AGE


# --- phones -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["567", "56789", "abcd"])
def test_last4_invalid(text: str) -> None:
    assert "后四位" in _raises(v.validate_phone_last4, text)


# --- credit codes -------------------------------------------------------------------------------------------


CODE_ALPHABET = st.sampled_from(v.CREDIT_CODE_ALPHABET)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["11", "51", "52", "91", "92", "93", "Y1"]))
    area = draw(st.sampled_from(AREA_CODES))
    org = "".join(draw(st.lists(CODE_ALPHABET, min_size=9, max_size=9)))
    first17 = head + area + org
    return first17 + v.credit_code_check_char(first17)


@given(valid_codes())
def test_property_generated_credit_codes_validate(code: str) -> None:
    assert v.validate_credit_code(code) == code


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_property_one_changed_character_is_rejected(code: str, position: int, shift: int) -> None:
    alphabet = v.CREDIT_CODE_ALPHABET
    mutated = code[:position] + alphabet[(alphabet.index(code[position]) + shift) % 31] + code[position + 1 :]
    with pytest.raises(ValidationError):
        v.validate_credit_code(mutated)


# --- places -------------------------------------------------------------------------------------------------


def test_every_county_is_its_own_canonical_form() -> None:
    assert all(v.validate_linyi_county(name) == name for name in v.LINYI_COUNTIES)
    assert len(v.LINYI_COUNTIES) == 15


# --- categories ---------------------------------------------------------------------------------------------


def test_unknown_category_lists_the_choices() -> None:
    message = _raises(v.validate_person_category, "学生")
    assert "脱贫户" in message and "边缘户" in message


# --- numbers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "十十", "三五", "一万万", "abc", "1.2345千"])
def test_parse_chinese_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        v.parse_chinese_number(text)


@given(st.integers(min_value=0, max_value=99_999))
def test_property_chinese_numerals_round_trip(number: int) -> None:
    assert v.parse_chinese_number(v.format_chinese_number(number)) == number


@given(st.integers(min_value=0, max_value=99_999))
def test_property_digits_with_units_in_answers(number: int) -> None:
    assert v.parse_quantity(f"{number}元", what="金额", example="500 元") == number
    assert v.parse_quantity(f"{v.format_chinese_number(number)}元", what="金额", example="500 元") == number


def test_contract_months_two_numbers_is_ambiguous() -> None:
    assert "只回答一个数字" in _raises(v.validate_contract_months, "3个月或者6个月")


# --- names and free text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("张3", "不能有数字"),
        ("Robert'); DROP TABLE persons;--", "只能包含汉字"),
        ("张", "2 到 20"),
        ("张" * 21, "2 到 20"),
        ("·张三", "只能包含汉字"),
        ("Zhang San", "只能包含汉字"),
    ],
)
def test_invalid_names(text: str, fragment: str) -> None:
    assert fragment in _raises(v.validate_name, text)


def test_free_text() -> None:
    assert v.validate_free_text("  电子厂  普工 ", what="求职意向", example="电工") == "电子厂 普工"
    assert "不能识别的符号" in _raises(v.validate_free_text, "<b>电工</b>", what="求职意向", example="电工")
    assert "不超过 10 个字" in _raises(
        v.validate_free_text, "很长" * 10, what="求职意向", example="电工", max_length=10
    )


# --- departure dates ----------------------------------------------------------------------------------------


def test_lunar_date_before_today_moves_to_next_year() -> None:
    # On 1 March 2026 the 2026 正月初八 (24 February) has passed: the next one is in 2027.
    assert v.parse_departure_date("正月初八", dt.date(2026, 3, 1)) == dt.date(2027, 2, 13)
    assert v.parse_departure_date("正月初八", dt.date(2026, 2, 24)) == dt.date(2026, 2, 24)


def test_spring_festival_table_covers_2020_to_2040() -> None:
    assert sorted(v.SPRING_FESTIVAL) == list(range(2020, 2041))
    assert all(dt.date(y, 1, 21) <= d <= dt.date(y, 2, 20) for y, d in v.SPRING_FESTIVAL.items())


def test_lunar_date_outside_the_table() -> None:
    assert "公历日期" in _raises(v.parse_departure_date, "正月初八", dt.date(2041, 3, 1))


def _lunar_text(day: int) -> str:
    """正月初一 … 正月初十, 正月十一 … 正月二十九."""
    return "正月" + ("初" if day <= 10 else "") + v.format_chinese_number(day)


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2039, 12, 31)), st.integers(1, 29))
def test_property_lunar_first_month_is_the_next_occurrence(today: dt.date, day: int) -> None:
    result = v.parse_departure_date(_lunar_text(day), today)
    assert result >= today
    assert (result - v.SPRING_FESTIVAL[result.year]).days == day - 1
    if result.year > today.year:  # this year's date had already passed
        assert v.SPRING_FESTIVAL[today.year] + dt.timedelta(days=day - 1) < today


@given(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31)),
    st.integers(1, 12),
    st.integers(1, 28),
)
def test_property_month_day_is_the_next_occurrence(today: dt.date, month: int, day: int) -> None:
    result = v.parse_departure_date(f"{month}月{day}日", today)
    assert (result.month, result.day) == (month, day)
    assert 0 <= (result - today).days < 366


@pytest.mark.parametrize(
    "text",
    ["O'Neil 餐厅服务员", "Jack's 面馆", "“点对点”到上海", "select 一个轻松点的活", "update 简历后找电工"],
)
def test_free_text_keeps_apostrophes_quotes_and_sql_words(text: str) -> None:
    assert v.validate_free_text(text, what="求职意向", example="电工") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("过了正月十五", dt.date(2027, 2, 21)),
        ("过了十五再走", dt.date(2027, 2, 21)),
        ("元宵节以后", dt.date(2027, 2, 21)),
        ("改成初十走", dt.date(2027, 2, 15)),
        ("不对，过了正月十五再走", dt.date(2027, 2, 21)),
        ("把出行时间改成过了十五", dt.date(2027, 2, 21)),
        ("我想把专车的出发时间改到正月十二", dt.date(2027, 2, 17)),
        ("出行日期改成3月2日", dt.date(2027, 3, 2)),
    ],
)
def test_festival_relative_departure_dates(text: str, expected: dt.date) -> None:
    assert v.parse_departure_date(text, dt.date(2026, 12, 1)) == expected


@pytest.mark.parametrize("text", ["过完年", "年后", "过了年", "春节以后"])
def test_after_new_year_names_no_day_and_is_asked(text: str) -> None:
    with pytest.raises(ValidationError, match="具体是哪一天"):
        v.parse_departure_date(text, dt.date(2026, 12, 1))


@pytest.mark.parametrize(
    ("text", "day", "asks"),
    [
        ("11月20日", dt.date(2027, 11, 20), True),  # said on 2026-12-01: next year, confirm
        ("2027年11月20日", dt.date(2027, 11, 20), False),  # the year said: no doubt
        ("正月初八", dt.date(2027, 2, 13), False),
        ("3月5日", dt.date(2027, 3, 5), False),
    ],
)
def test_far_dates_without_a_year_are_confirmed(text: str, day: dt.date, asks: bool) -> None:
    from bot.validation.dates import needs_confirmation

    question = needs_confirmation(text, day, dt.date(2026, 12, 1))
    assert (question is not None) is asks
    if asks:
        assert f"{day.year}年{day.month}月{day.day}日" in question


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("俺是兰山的 李官镇", "兰山区"),
        ("李官镇", "兰山区"),
        ("家是岸堤的", "沂南县"),
        ("我在临沂市罗庄区", "罗庄区"),
        ("苍山", "兰陵县"),
    ],
)
def test_towns_and_longer_answers_resolve_to_their_county(text: str, county: str) -> None:
    assert v.validate_linyi_county(text) == county


def test_every_listed_town_belongs_to_a_linyi_county() -> None:
    from bot.validation.places import LINYI_COUNTIES, townships

    assert townships() and set(townships().values()) <= set(LINYI_COUNTIES)


# --- table-driven cases (validation_cases.yml) --------------------------------------------------------------

CASES = yaml.safe_load(Path(__file__).with_name("validation_cases.yml").read_text(encoding="utf-8"))
ACCEPTED = [(name, text, value) for name, table in CASES.items() for text, value in table.get("accepts", {}).items()]
REFUSED = [
    (name, text, fragment) for name, table in CASES.items() for text, fragment in table.get("refuses", {}).items()
]


def _today(validator: str) -> tuple[dt.date, ...]:
    """The validators that depend on the date get today's (ID numbers: the age; departures: the next date)."""
    return (TODAY,) if validator in ("validate_id_number", "parse_departure_date") else ()


@pytest.mark.parametrize(("validator", "text", "expected"), ACCEPTED)
def test_accepted_answers(validator: str, text: str, expected: Any) -> None:
    value = getattr(v, validator)(text, *_today(validator))
    assert (list(value) if isinstance(value, tuple) else value) == expected


@pytest.mark.parametrize(("validator", "text", "fragment"), REFUSED)
def test_refused_answers(validator: str, text: str, fragment: str) -> None:
    assert fragment in _raises(getattr(v, validator), text, *_today(validator))

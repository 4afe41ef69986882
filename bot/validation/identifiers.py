"""Resident ID numbers (GB 11643-1999), mobile phones and unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt
import re

from bot.validation.answers import ValidationError, prepare, strip_separators

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits: provinces, autonomous regions and municipalities (plus 71 Taiwan, 81/82 HK/Macao, 83).
_PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54}
    | {61, 62, 63, 64, 65, 71, 81, 82, 83}
)
MIN_AGE = 16
MAX_AGE = 100


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for the first 17 digits of an ID number."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("first17 must be 17 digits")
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(id_number: str) -> dt.date:
    """Date of birth encoded in an 18-character ID number (characters 7–14)."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _looks_like_mobile(compact: str) -> bool:
    return re.fullmatch(r"(?:\+?86)?1[3-9]\d{9}", compact) is not None


def validate_id_number(text: str, today: dt.date) -> str:
    """Validate a resident ID number and return it with ``X`` upper-cased and separators removed.

    Args:
        text: what the user typed.
        today: the current date (for the birth-date plausibility check).

    Raises:
        ValidationError: wrong length, wrong characters, a phone number, a 15-digit legacy number,
            an impossible birth date, an age outside 16–100, or a wrong check digit.
    """
    what = "18 位身份证号码"
    compact = strip_separators(prepare(text, what)).upper()
    if _looks_like_mobile(compact):
        raise ValidationError("这看起来像手机号码。请输入 18 位身份证号码。")
    if re.fullmatch(r"\d{15}", compact):
        raise ValidationError("这是 15 位的旧身份证号码，请提供现在使用的 18 位身份证号码。")
    if not re.fullmatch(r"[\dX]+", compact) or not compact.isascii():
        raise ValidationError("身份证号码只能由数字组成，最后一位可以是 X，请核对后重新输入。")
    if len(compact) != 18:
        raise ValidationError(f"身份证号码应为 18 位，您输入的是 {len(compact)} 位，请核对后重新输入。")
    if not re.fullmatch(r"\d{17}[\dX]", compact):
        raise ValidationError("身份证号码只有最后一位可以是 X，请核对后重新输入。")
    if int(compact[:2]) not in _PROVINCE_CODES:
        raise ValidationError("身份证号码前两位不是有效的地区代码，请核对后重新输入。")
    try:
        birth = id_birth_date(compact)
    except ValueError:
        raise ValidationError("身份证号码中的出生日期（第 7–14 位）不是有效日期，请核对后重新输入。") from None
    if birth > today:
        raise ValidationError("身份证号码中的出生日期晚于今天，请核对后重新输入。")
    age = age_on(birth, today)
    if age < MIN_AGE:
        raise ValidationError(
            f"按身份证号码计算年龄不满 {MIN_AGE} 周岁，不能办理求职登记。请核对号码，或由家人转人工咨询。"
        )
    if age > MAX_AGE:
        raise ValidationError(f"按身份证号码计算年龄超过 {MAX_AGE} 周岁，请核对后重新输入。")
    if id_check_digit(compact[:17]) != compact[17]:
        raise ValidationError("身份证号码校验位不正确，可能有一位输错了，请核对后重新输入。")
    return compact


# --- phones -------------------------------------------------------------------------------------------------


def validate_mobile(text: str) -> str:
    """Validate a mainland mobile number; return its 11 digits.

    Spaces, dashes, brackets and a ``+86``/``0086`` prefix are removed; full-width digits are accepted.
    """
    what = "11 位手机号码"
    compact = strip_separators(prepare(text, what, "13812345678"))
    compact = re.sub(r"^(?:\+86|0086|86)(?=1\d{10}$)", "", compact)
    if re.fullmatch(r"\d{17}[\dXx]|\d{15}", compact):
        raise ValidationError("这看起来像身份证号码。请输入 11 位手机号码，例如：13812345678。")
    if re.fullmatch(r"0\d{9,11}", compact):
        raise ValidationError("这看起来像座机号码。请输入 11 位手机号码，例如：13812345678。")
    if not compact.isdigit() or not compact.isascii():
        raise ValidationError("手机号码只能包含数字，请输入 11 位手机号码，例如：13812345678。")
    if len(compact) != 11:
        raise ValidationError(f"手机号码应为 11 位，您输入的是 {len(compact)} 位，请核对后重新输入。")
    if not re.fullmatch(r"1[3-9]\d{9}", compact):
        raise ValidationError("这不是有效的手机号码（应以 13–19 开头），请核对后重新输入。")
    return compact


def validate_phone_last4(text: str) -> str:
    """Validate the last four digits of a phone number."""
    compact = strip_separators(prepare(text, "手机号码后四位", "5678"))
    if not re.fullmatch(r"\d{4}", compact) or not compact.isascii():
        raise ValidationError("请输入手机号码的后四位数字，例如：5678。")
    return compact


def validate_sms_code(text: str) -> str:
    """Validate a six-digit one-time code from an SMS."""
    compact = strip_separators(prepare(text, "短信验证码", "123456"))
    if not re.fullmatch(r"\d{6}", compact) or not compact.isascii():
        raise ValidationError("请输入短信里的 6 位数字验证码，例如：123456；没收到的话请回复“重发”。")
    return compact


def validate_phone_or_last4(text: str) -> str:
    """Accept either a full mobile number or its last four digits (for identity checks)."""
    compact = strip_separators(prepare(text, "手机号码或后四位", "5678"))
    if len(compact) <= 4:
        return validate_phone_last4(compact)
    return validate_mobile(compact)


# --- unified social credit codes (GB 32100-2015) ------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in first17):
        raise ValueError("first17 must be 17 characters of the credit-code alphabet")
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(text: str) -> str:
    """Validate an 18-character unified social credit code; return it upper-cased without separators."""
    what = "18 位统一社会信用代码"
    compact = strip_separators(prepare(text, what)).upper()
    if _looks_like_mobile(compact):
        raise ValidationError("这看起来像手机号码。请输入营业执照上的 18 位统一社会信用代码。")
    if len(compact) != 18:
        raise ValidationError(
            f"统一社会信用代码应为 18 位，您输入的是 {len(compact)} 位，请对照营业执照核对后重新输入。"
        )
    bad = [c for c in compact if c not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            f"统一社会信用代码中不能有「{bad[0]}」（只用数字和除 I、O、S、V、Z 以外的大写字母），请核对后重新输入。"
        )
    if not compact[2:8].isdigit():
        raise ValidationError("统一社会信用代码第 3–8 位应是行政区划代码（数字），请核对后重新输入。")
    if credit_code_check_char(compact[:17]) != compact[17]:
        raise ValidationError("统一社会信用代码校验位不正确，可能有一位输错了，请核对后重新输入。")
    return compact

"""Validation and normalisation of what people type: ID numbers, phones, credit codes, places, numbers, dates.

Every ``validate_*`` / ``parse_*`` function is pure (no Rasa, no database, no clock: ``today`` is passed in).
It returns the normalised value or raises :class:`ValidationError`, whose ``message`` is a Chinese sentence
asking the user to answer again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from bot.cases.records import CATEGORY_LABELS

MAX_ANSWER_LENGTH = 200


class ValidationError(ValueError):
    """An answer that cannot be used; ``message`` tells the user (in Chinese) what to send instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- common input guard -------------------------------------------------------------------------------------


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0xFE0F, 0x200D, 0x20E3)
        or unicodedata.category(char) == "So"
    )


def _prepare(text: object, what: str, example: str = "") -> str:
    """NFKC-normalise (full-width → half-width), strip, and reject empty, overlong or emoji answers."""
    hint = f"，例如：{example}" if example else ""
    if not isinstance(text, str):
        raise ValidationError(f"没有收到{what}，请再输入一次{hint}。")
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise ValidationError(f"没有收到{what}，请再输入一次{hint}。")
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValidationError(f"输入的内容太长了。请只输入{what}{hint}。")
    if any(_is_emoji(c) for c in text):
        raise ValidationError(f"请不要使用表情符号，直接输入{what}{hint}。")
    return text


def _strip_separators(text: str) -> str:
    return re.sub(r"[\s\-_.()（）]", "", text)


# --- ID numbers (GB 11643-1999) -----------------------------------------------------------------------------

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
    compact = _strip_separators(_prepare(text, what)).upper()
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
    compact = _strip_separators(_prepare(text, what, "13812345678"))
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
    compact = _strip_separators(_prepare(text, "手机号码后四位", "5678"))
    if not re.fullmatch(r"\d{4}", compact) or not compact.isascii():
        raise ValidationError("请输入手机号码的后四位数字，例如：5678。")
    return compact


def validate_phone_or_last4(text: str) -> str:
    """Accept either a full mobile number or its last four digits (for identity checks)."""
    compact = _strip_separators(_prepare(text, "手机号码或后四位", "5678"))
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
    compact = _strip_separators(_prepare(text, what)).upper()
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


# --- places -------------------------------------------------------------------------------------------------

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
_PLACE_PREFIX_RE = re.compile(r"^(?:我在|我是|在|山东省?|临沂市?)+")
_PLACE_SUFFIX_RE = re.compile(r"(?:的|人|这边|那边|那里|这里)+$")


def validate_linyi_county(text: str) -> str:
    """Normalise a Linyi county, district or zone name: ``兰山`` → ``兰山区``, ``沂南`` → ``沂南县``.

    Raises:
        ValidationError: the place is not in Linyi or is not recognised.
    """
    example = "兰山区、沂南县、费县"
    raw = _prepare(text, "所在县区", example)
    compact = re.sub(r"[\s,，。.!！]", "", raw)
    place = _PLACE_SUFFIX_RE.sub("", _PLACE_PREFIX_RE.sub("", compact))
    if place in LINYI_COUNTIES:
        return place
    base = re.sub(r"(?:县|区|市)$", "", place)
    if base in _COUNTY_ALIASES:
        return _COUNTY_ALIASES[base]
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
    compact = re.sub(r"\s", "", _prepare(text, "来自哪个省份", "重庆市城口县、四川省"))
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


# --- person categories --------------------------------------------------------------------------------------

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
    ``都不是`` → ``other``. The official term of a code is :data:`bot.cases.records.CATEGORY_LABELS`.
    """
    compact = re.sub(r"\s", "", _prepare(text, "人员类别", "脱贫户、边缘户、搬迁户"))
    if compact in CATEGORY_LABELS:
        return compact
    negated = re.match(r"^(?:我)?(?:不是|不算|没有|非)", compact) is not None
    for word, code in _CATEGORY_WORDS:
        if word in compact:
            return "other" if negated else code
    if any(word in compact for word in _NONE_OF_THEM):
        return "other"
    raise ValidationError(
        "没有听懂您属于哪一类人员。请回答：脱贫户（脱贫享受政策人口）、边缘户（边缘易致贫人口）、"
        "易地扶贫搬迁户，或者“都不是”。"
    )


# --- Chinese numerals and amounts ---------------------------------------------------------------------------

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "仨": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
    "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS) + "万"
_NUMBER_RUN_RE = re.compile(rf"[0-9][0-9,]*(?:\.[0-9]+)?[{_NUMERAL_CHARS}]*|[{_NUMERAL_CHARS}]+")
# Words that contain numeral characters without meaning a number (unless a numeral comes right before).
_NON_NUMERAL_RE = re.compile(
    rf"(?<![0-9{_NUMERAL_CHARS}])(?:一共|一起|一下|一点|一些|一直|一般|一定|一样|万一|十分|千万)"
)
_SUSPICIOUS_RE = re.compile(r"[;'\"<>{}\\`=]|--")
_COUNT_WORDS = "个人位名口月年天元块岁次"


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


def _extract_number(text: str, what: str, example: str) -> int:
    if _SUSPICIOUS_RE.search(text):
        raise ValidationError(f"没有听懂{what}，请用数字回答，例如：{example}。")
    compact = _NON_NUMERAL_RE.sub("", re.sub(r"\s", "", text))
    runs = list(_NUMBER_RUN_RE.finditer(compact))
    if not runs:
        raise ValidationError(f"没有听懂{what}，请用数字回答，例如：{example}。")
    if len(runs) > 1:
        counted = [m for m in runs if compact[m.end() : m.end() + 1] in tuple(_COUNT_WORDS)]
        runs = counted if len(counted) == 1 else runs
    if len(runs) != 1:
        raise ValidationError(f"请只回答一个数字作为{what}，例如：{example}。")
    try:
        return parse_chinese_number(runs[0].group(0))
    except ValueError:
        raise ValidationError(f"没有听懂{what}，请用数字回答，例如：{example}。") from None


def parse_quantity(text: str, *, what: str, example: str, minimum: int = 0, maximum: int = 10**7) -> int:
    """A whole number from an answer such as ``三个人``, ``六个月``, ``五百元``, ``两千五``, ``１２``.

    Args:
        text: the answer.
        what: what the number is, in Chinese (used in messages), e.g. ``出行人数``.
        example: an example answer for the re-ask message.
        minimum: smallest allowed value.
        maximum: largest allowed value.
    """
    value = _extract_number(_prepare(text, what, example), what, example)
    if value < minimum:
        raise ValidationError(f"{what}不能少于 {minimum}，请重新输入，例如：{example}。")
    if value > maximum:
        raise ValidationError(f"{what}不能超过 {maximum}，请核对后重新输入。")
    return value


MAX_PARTY_SIZE = 60


def validate_party_size(text: str) -> int:
    """Number of people travelling together (1–60, a bus load): ``三个人`` → 3, ``就我一个`` → 1."""
    prepared = _prepare(text, "出行人数", "3 人")
    if re.fullmatch(r"(?:就|只有)?(?:我)?(?:自己|本人|一个人?|1个?人?)(?:去)?", prepared):
        return 1
    return parse_quantity(prepared, what="出行人数", example="3 人", minimum=1, maximum=MAX_PARTY_SIZE)


def validate_contract_months(text: str) -> int:
    """Contract length in months: ``六个月`` → 6, ``一年`` → 12, ``半年`` → 6, ``一年半`` → 18."""
    what, example = "合同期限（月数）", "6 个月"
    prepared = re.sub(r"\s", "", _prepare(text, what, example))
    if prepared in ("半年", "半年时间"):
        return 6
    years = re.fullmatch(r"(.+?)(?:个)?年(半)?", prepared)
    if years:
        try:
            count = parse_chinese_number(years.group(1))
        except ValueError:
            raise ValidationError(f"没有听懂{what}，请用数字回答，例如：{example}。") from None
        months = count * 12 + (6 if years.group(2) else 0)
    else:
        months = _extract_number(prepared, what, example)
    if not 1 <= months <= 120:
        raise ValidationError(f"{what}应在 1 到 120 个月之间，请核对后重新输入。")
    return months


def validate_amount_yuan(text: str, *, maximum: int = 1_000_000) -> int:
    """An amount in whole yuan: ``五百元`` → 500, ``两千五`` → 2500, ``1.5万`` → 15000."""
    return parse_quantity(text, what="金额（元）", example="500 元", minimum=0, maximum=maximum)


# --- names and free text ------------------------------------------------------------------------------------

_NAME_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf](?:[\u4e00-\u9fff\u3400-\u4dbf·]*[\u4e00-\u9fff\u3400-\u4dbf])?")


def validate_name(text: str) -> str:
    """A person's name: 2–20 Chinese characters, ``·`` allowed between parts (``阿依古丽·买买提``)."""
    example = "张三"
    raw = _prepare(text, "姓名", example)
    name = re.sub(r"\s", "", raw).replace("•", "·").replace("・", "·").replace(".", "·")
    name = re.sub(r"^(?:我叫|我是|姓名是?|名字是?)", "", name)
    if re.search(r"\d", name):
        raise ValidationError("姓名里不能有数字。请输入身份证上的姓名，例如：张三。")
    if not _NAME_RE.fullmatch(name):
        raise ValidationError("姓名只能包含汉字，少数民族姓名可用「·」分隔。请输入身份证上的姓名，例如：张三。")
    if not 2 <= len(name) <= 20:
        raise ValidationError("姓名应为 2 到 20 个汉字，请输入身份证上的姓名。")
    return name


def validate_free_text(text: str, *, what: str, example: str, max_length: int = 50) -> str:
    """A short free answer (wanted job, destination, course): trimmed, no control characters or markup."""
    value = re.sub(r"\s+", " ", _prepare(text, what, example))
    if len(value) > max_length:
        raise ValidationError(f"{what}请简短一些（不超过 {max_length} 个字），例如：{example}。")
    if re.search(r"[<>{}\\;`]|--|'|\"|\b(?:drop|select|insert|delete|update|union)\b", value, re.IGNORECASE):
        raise ValidationError(f"{what}中有不能识别的符号，请用文字回答，例如：{example}。")
    return value


# --- departure dates ----------------------------------------------------------------------------------------

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
    ``2027-03-05``/``2027年3月5日``.

    Raises:
        ValidationError: unrecognised text, an impossible date, a date in the past or over a year ahead.
    """
    raw = _prepare(text, "出发日期", _DATE_EXAMPLE)
    compact = re.sub(r"[\s,，。!！]", "", raw)
    compact = re.sub(r"^(?:我们?)?(?:打算|准备|计划|想)?(?:在)?", "", compact)
    compact = re.sub(r"(?:出发|走|动身|去|的时候|左右|那天|吧|前后)+$", "", compact)

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

"""Whole numbers from answers: party sizes, contract months, amounts in yuan."""

from __future__ import annotations

import re

from bot.validation.answers import ValidationError, prepare
from bot.validation.numerals import NON_NUMERAL_RE, NUMBER_RUN_RE, parse_chinese_number

# Words that follow the number a sentence is about (三个人, 六个月, 五百元).
_COUNT_WORDS = "个人位名口月年天元块岁次"


def _extract_number(text: str, what: str, example: str) -> int:
    compact = NON_NUMERAL_RE.sub("", re.sub(r"\s", "", text))
    runs = list(NUMBER_RUN_RE.finditer(compact))
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
    value = _extract_number(prepare(text, what, example), what, example)
    if value < minimum:
        raise ValidationError(f"{what}不能少于 {minimum}，请重新输入，例如：{example}。")
    if value > maximum:
        raise ValidationError(f"{what}不能超过 {maximum}，请核对后重新输入。")
    return value


MAX_PARTY_SIZE = 60


def validate_party_size(text: str) -> int:
    """Number of people travelling together (1–60, a bus load): ``三个人`` → 3, ``就我一个`` → 1."""
    prepared = prepare(text, "出行人数", "3 人")
    if re.fullmatch(r"(?:就|只有)?(?:我)?(?:自己|本人|一个人?|1个?人?)(?:去)?", prepared):
        return 1
    return parse_quantity(prepared, what="出行人数", example="3 人", minimum=1, maximum=MAX_PARTY_SIZE)


def validate_contract_months(text: str) -> int:
    """Contract length in months: ``六个月`` → 6, ``一年`` → 12, ``半年`` → 6, ``一年半`` → 18."""
    what, example = "合同期限（月数）", "6 个月"
    prepared = re.sub(r"\s", "", prepare(text, what, example))
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

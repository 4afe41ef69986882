"""People's names and short free answers (wanted job, destination, course)."""

from __future__ import annotations

import re

from bot.validation.answers import ValidationError, prepare

_NAME_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf](?:[\u4e00-\u9fff\u3400-\u4dbf·]*[\u4e00-\u9fff\u3400-\u4dbf])?")


def validate_name(text: str) -> str:
    """A person's name: 2–20 Chinese characters, ``·`` allowed between parts (``阿依古丽·买买提``)."""
    example = "张三"
    raw = prepare(text, "姓名", example)
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
    """A short free answer (wanted job, destination, course): trimmed, no control characters or markup.

    Quotes and apostrophes are ordinary text (``Jack's 面馆``); the stores bind every value as a query
    parameter, so no word or character needs to be refused for the database's sake.
    """
    value = re.sub(r"\s+", " ", prepare(text, what, example))
    if len(value) > max_length:
        raise ValidationError(f"{what}请简短一些（不超过 {max_length} 个字），例如：{example}。")
    if re.search(r"[<>{}\\`]|[\x00-\x1f\x7f]", value):
        raise ValidationError(f"{what}中有不能识别的符号，请用文字回答，例如：{example}。")
    return value

"""What every validator shares: :class:`ValidationError` and the guard every answer passes first."""

from __future__ import annotations

import re
import unicodedata

from bot.characters import is_emoji

MAX_ANSWER_LENGTH = 200


class ValidationError(ValueError):
    """An answer that cannot be used; ``message`` tells the user (in Chinese) what to send instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def prepare(text: object, what: str, example: str = "") -> str:
    """NFKC-normalise (full-width → half-width), strip, and reject empty, overlong or emoji answers.

    Args:
        text: the answer as received (anything; a non-string counts as no answer).
        what: what was asked, in Chinese (used in the messages), e.g. ``手机号码``.
        example: an example answer for the re-ask message.

    Raises:
        ValidationError: empty, longer than :data:`MAX_ANSWER_LENGTH` or containing an emoji.
    """
    hint = f"，例如：{example}" if example else ""
    if not isinstance(text, str):
        raise ValidationError(f"没有收到{what}，请再输入一次{hint}。")
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise ValidationError(f"没有收到{what}，请再输入一次{hint}。")
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValidationError(f"输入的内容太长了。请只输入{what}{hint}。")
    if any(is_emoji(c) for c in text):
        raise ValidationError(f"请不要使用表情符号，直接输入{what}{hint}。")
    return text


def strip_separators(text: str) -> str:
    """The text without spaces, dashes, dots and brackets people put inside numbers and codes."""
    return re.sub(r"[\s\-_.()（）]", "", text)

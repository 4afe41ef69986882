"""Masking of personal data (ID numbers, mobile numbers, credit codes, names) before anything is logged or shown
to a stranger.

:func:`mask_pii` masks ID and mobile numbers in text that may be shown; :func:`mask_for_log` also masks unified
social credit codes and names given as values (``person_name: 张三``, ``"name": "张三"``, ``姓名：张三``).
:class:`MaskingFilter` applies :func:`mask_for_log` to the message, the traceback and the stack of every log
record, and :func:`install_log_masking` puts it on every handler of every logger configured so far (ours,
Rasa's, Sanic's, SQLAlchemy's).
"""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last character may be X), 15-digit legacy ID, mainland mobile numbers.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{3})(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# GB 32100 unified social credit code: 18 characters of digits and capitals without I, O, S, V, Z.
_CREDIT_RE = re.compile(
    r"(?<![0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{2})(\d{6})([0-9A-HJ-NPQRTUWXY]{8})([0-9A-HJ-NPQRTUWXY]{2})(?![0-9A-Za-z])"
)
# A name given as the value of a name field, in slot dumps, JSON, reprs and Chinese text.
_NAME_RE = re.compile(
    r"((?:person_name|contact_name|display_name|\bname|姓名|名字)[\"']?\s*[:=：]\s*(?:Text\()?[\"']?)"
    r"([\u4e00-\u9fff·A-Za-z]{1,20})"
)

# Slots whose values identify a person: encrypted in the conversation store, never in the analytics tables.
PERSONAL_SLOTS = frozenset({"id_number", "phone", "phone_check", "person_name", "org_phone", "verified_id_number"})


def mask_id_number(value: str) -> str:
    """Mask an ID number, keeping the first 3 and last 2 characters: ``371***********123X`` style."""
    value = value.strip()
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_phone(value: str) -> str:
    """Mask a mobile number, keeping the first 3 and last 4 digits: ``138****5678``."""
    digits = re.sub(r"\D", "", value)[-11:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_pii(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)


def mask_name(value: str) -> str:
    """Keep the first character of a name: ``张**``."""
    return value[:1] + "*" * max(1, len(value) - 1) if value else value


def mask_for_log(text: str) -> str:
    """:func:`mask_pii` plus credit codes (``91**************38``) and names given as field values."""
    text = mask_pii(text)
    text = _CREDIT_RE.sub(lambda m: m.group(1) + "*" * 14 + m.group(4), text)
    return _NAME_RE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)


_TRACEBACKS = logging.Formatter()


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in the message, traceback and stack of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not silence the record
            return True
        masked = mask_for_log(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_for_log(record.exc_text)  # formatters print this cached text, not exc_info
        if record.stack_info:
            record.stack_info = mask_for_log(record.stack_info)
        return True


def install_log_masking() -> None:
    """Attach :class:`MaskingFilter` to every handler of every logger configured so far (idempotent)."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())

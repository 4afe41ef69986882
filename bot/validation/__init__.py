"""Validation and normalisation of what people type, one idea per module.

Every ``validate_*`` / ``parse_*`` function is pure (no Rasa, no database, no clock: ``today`` is passed in).
It returns the normalised value or raises :class:`ValidationError`, whose ``message`` is a Chinese sentence
asking the user to answer again. Both case stores call the same functions, so they accept the same input.

* :mod:`~bot.validation.answers` — :class:`ValidationError` and the guard every answer passes (length, emoji);
* :mod:`~bot.validation.identifiers` — ID numbers, mobile phones, unified social credit codes (checksums);
* :mod:`~bot.validation.places` — Linyi counties and zones, provinces of origin;
* :mod:`~bot.validation.categories` — 脱贫户 / 边缘户 / 搬迁户 … to a person-category code;
* :mod:`~bot.validation.numerals` — Chinese numerals both ways;
* :mod:`~bot.validation.quantities` — party sizes, contract months, amounts;
* :mod:`~bot.validation.names` — names and short free answers;
* :mod:`~bot.validation.dates` — departure dates (正月初八, 下周一, 3月5日).
"""

from __future__ import annotations

from bot.validation.answers import (
    MAX_ANSWER_LENGTH,
    ValidationError,
    prepare,
    strip_separators,
)
from bot.validation.categories import (
    validate_person_category,
)
from bot.validation.dates import (
    MAX_DAYS_AHEAD,
    SPRING_FESTIVAL,
    parse_departure_date,
)
from bot.validation.identifiers import (
    CREDIT_CODE_ALPHABET,
    MAX_AGE,
    MIN_AGE,
    age_on,
    credit_code_check_char,
    id_birth_date,
    id_check_digit,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_phone_last4,
    validate_phone_or_last4,
    validate_sms_code,
)
from bot.validation.names import (
    validate_free_text,
    validate_name,
)
from bot.validation.numerals import (
    NON_NUMERAL_RE,
    NUMBER_RUN_RE,
    format_chinese_number,
    parse_chinese_number,
)
from bot.validation.places import (
    CENTRAL_PROVINCES,
    EASTERN_PROVINCES,
    LINYI_AREA_CODES,
    LINYI_COUNTIES,
    LINYI_ZONES,
    PAIRED_AREA_CODES,
    PAIRED_COUNTIES,
    WESTERN_PROVINCES,
    parse_origin,
    validate_linyi_county,
)
from bot.validation.quantities import (
    MAX_PARTY_SIZE,
    parse_quantity,
    validate_amount_yuan,
    validate_contract_months,
    validate_party_size,
)

__all__ = [
    "CENTRAL_PROVINCES",
    "CREDIT_CODE_ALPHABET",
    "EASTERN_PROVINCES",
    "LINYI_AREA_CODES",
    "LINYI_COUNTIES",
    "LINYI_ZONES",
    "MAX_AGE",
    "MAX_ANSWER_LENGTH",
    "MAX_DAYS_AHEAD",
    "MAX_PARTY_SIZE",
    "MIN_AGE",
    "NON_NUMERAL_RE",
    "NUMBER_RUN_RE",
    "PAIRED_AREA_CODES",
    "PAIRED_COUNTIES",
    "SPRING_FESTIVAL",
    "WESTERN_PROVINCES",
    "ValidationError",
    "age_on",
    "credit_code_check_char",
    "format_chinese_number",
    "id_birth_date",
    "id_check_digit",
    "parse_chinese_number",
    "parse_departure_date",
    "parse_origin",
    "parse_quantity",
    "prepare",
    "strip_separators",
    "validate_amount_yuan",
    "validate_contract_months",
    "validate_credit_code",
    "validate_free_text",
    "validate_id_number",
    "validate_linyi_county",
    "validate_mobile",
    "validate_name",
    "validate_party_size",
    "validate_person_category",
    "validate_phone_last4",
    "validate_phone_or_last4",
    "validate_sms_code",
]

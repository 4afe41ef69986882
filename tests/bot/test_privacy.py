"""Masking of ID and phone numbers in free text and in log records."""

from __future__ import annotations

import io
import logging

import pytest

from bot.privacy import MaskingFilter, install_log_masking, mask_id_number, mask_phone, mask_pii


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        ("身份证371302198503120427，电话13912345678", ["371302198503120427", "13912345678"], ["371", "5678"]),
        ("ID 37132119850607202X end", ["37132119850607202X"], ["2X"]),
        ("tel:+8613912345678", ["13912345678"], ["139****5678"]),
    ],
)
def test_mask_pii(text: str, hidden: list[str], shown: list[str]) -> None:
    masked = mask_pii(text)
    for secret in hidden:
        assert secret not in masked
    for part in shown:
        assert part in masked


def test_short_numbers_and_amounts_are_left_alone() -> None:
    assert mask_pii("补贴500元，6个月，热线12333") == "补贴500元，6个月，热线12333"


def test_masks() -> None:
    assert mask_id_number("371302198503120427") == "371*************27"
    assert mask_phone("13912345678") == "139****5678"


def test_installed_filter_masks_every_record() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_log_masking()
        install_log_masking()  # idempotent
        assert sum(isinstance(f, MaskingFilter) for f in handler.filters) == 1
        logging.getLogger("some.module").warning("user %s sent %s", "o_user", "371302198503120427 13912345678")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "371302198503120427" not in output and "13912345678" not in output and "139****5678" in output

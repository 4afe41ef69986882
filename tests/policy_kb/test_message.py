"""Filler and voice-recognition noise out; several questions split apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from cases import cases

from policy_kb.message import is_question, split_questions, strip_filler

CASES = Path(__file__).with_name("text_cases.yml")


@pytest.mark.parametrize(("text", "expected"), cases(CASES, "strip_filler"))
def test_strip_filler(text: str, expected: str) -> None:
    assert strip_filler(text) == expected


@pytest.mark.parametrize(("text", "count"), cases(CASES, "split_questions"))
def test_split_questions(text: str, count: int) -> None:
    assert len(split_questions(text)) == count


@pytest.mark.parametrize(("text", "expected"), cases(CASES, "is_question"))
def test_is_question(text: str, expected: bool) -> None:
    assert is_question(text) is expected

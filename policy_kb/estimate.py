"""Standard subsidy amounts computed from a clause's benefit data."""

from __future__ import annotations

from dataclasses import dataclass

from policy_kb.model import Benefit


@dataclass(frozen=True)
class Estimate:
    """A computed standard amount and the sentence that shows the sum."""

    total: int | float
    months: int | None
    sentence: str


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def estimate(benefit: Benefit, people: int, months: int | None = None) -> Estimate:
    """The standard amount for ``people`` (and ``months`` for monthly benefits, capped at the maximum).

    Raises:
        ValueError: ``people`` or ``months`` is not positive.
    """
    if people <= 0 or (months is not None and months <= 0):
        raise ValueError("people and months must be positive")
    amount = _num(benefit.amount.value)
    unit = benefit.amount.unit
    if benefit.basis == "per_person_month":
        if benefit.max_months is None:  # the loader requires max_months for monthly benefits
            raise ValueError(f"{benefit.name}: a monthly benefit without max_months")
        max_months = int(benefit.max_months.value)
        used = max_months if months is None else min(months, max_months)
        total = _num(amount * people * used)
        capped = "" if months is None or months <= max_months else f"（最长只补{max_months}个月）"
        lead = "最多" if months is None else ""
        sentence = f"按标准测算：{people}人 × {amount}{unit} × {used}个月 = {lead}{total}{unit}{capped}。"
        return Estimate(total=total, months=used, sentence=sentence)
    total = _num(amount * people)
    if benefit.is_cap:
        sentence = f"按上限测算：{people}人 × 不超过{amount}{unit} = 最多{total}{unit}，具体标准以县区规定为准。"
    else:
        sentence = f"按标准测算：{people}人 × {amount}{unit} = {total}{unit}。"
    return Estimate(total=total, months=None, sentence=sentence)

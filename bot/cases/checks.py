"""SQL CHECK expressions built from the code lists of :mod:`policy_kb.vocabulary`.

The table mappings (:mod:`bot.cases.models`) and the migrations both use these, so a column accepts exactly
the codes the vocabulary defines.
"""

from __future__ import annotations

from collections.abc import Iterable

from policy_kb.vocabulary import (
    CLOSED_STATUSES,
    EMPLOYER_KIND_LABELS,
    EMPLOYMENT_STATUS_LABELS,
    LOCAL_OR_AWAY_LABELS,
    RECORDED_PERSON_CATEGORIES,
    STATUS_LABELS,
)


def one_of(column: str, codes: Iterable[str]) -> str:
    """``column IN ('a', 'b')`` for a CHECK constraint (codes are snake_case, so no quoting is needed)."""
    return f"{column} IN ({', '.join(repr(str(code)) for code in codes)})"


STATUS_CHECK = one_of("status", STATUS_LABELS)
CATEGORY_CHECK = one_of("category", RECORDED_PERSON_CATEGORIES)
EMPLOYMENT_STATUS_CHECK = one_of("employment_status", EMPLOYMENT_STATUS_LABELS)
EMPLOYER_KIND_CHECK = one_of("kind", EMPLOYER_KIND_LABELS)
LOCAL_OR_AWAY_CHECK = one_of("local_or_away", LOCAL_OR_AWAY_LABELS)
# Rows a person may have only one of at a time: a request is open until it is rejected, completed or cancelled.
OPEN_REQUEST = f"status NOT IN ({', '.join(repr(code) for code in sorted(CLOSED_STATUSES))})"

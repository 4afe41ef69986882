"""What every answer of the knowledge base is: the text, the clause it is about, its kind; and the WeChat size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_kb.model import Clause


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and which clause it is about (for follow-ups such as “原文”)."""

    text: str
    clause: Clause | None = None
    # clause | original | contact | validity | responsibility | current_policy | overview
    # | out_of_scope | clarify
    kind: str = "clause"
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def clause_ref(self) -> str | None:
        """``document_id#number`` of the clause, for a slot."""
        return f"{self.clause.document_id}#{self.clause.number}" if self.clause else None


MAX_MESSAGE_CHARS = 300


def fit_message(lines: list[str], optional: tuple[str, ...] = ()) -> list[str]:
    """Drop ``optional`` lines, in order, until the message fits one WeChat-sized reply (300 characters)."""
    out = list(lines)
    for line in optional:
        if len("\n".join(out)) <= MAX_MESSAGE_CHARS:
            break
        if line in out:
            out.remove(line)
    return out

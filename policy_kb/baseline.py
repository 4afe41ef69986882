"""The comparison baseline: answer with the best-matching raw paragraph of the document, by BM25."""

from __future__ import annotations

from dataclasses import dataclass

from policy_kb.model import Clause, Document, KnowledgeBase
from policy_kb.retriever import BM25
from policy_kb.text import Tokenizer


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the document as published, and the clause it belongs to (if any)."""

    text: str
    clause: Clause | None


def document_paragraphs(doc: Document) -> list[Paragraph]:
    """The document's paragraphs, rebuilt from the verbatim fields of the knowledge base."""
    paragraphs = [
        Paragraph(f"根据{doc.implements_number}，{doc.title}。", None),
        *(Paragraph(f"（{c.number}）{c.title}。{c.text}", c) for c in doc.clauses),
        Paragraph("".join(f"{r.department}要{r.duties}" for r in doc.responsibilities), None),
        Paragraph(doc.validity_text, None),
        Paragraph(f"（联系单位：{doc.contact_unit}）", None),
    ]
    return paragraphs


class ParagraphBaseline:
    """Plain FAQ search: the top BM25 paragraph, returned as is."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.paragraphs = [p for d in kb.documents for p in document_paragraphs(d)]
        self.tokenizer = Tokenizer()
        self.index = BM25(self.paragraphs, [self.tokenizer.tokens(p.text) for p in self.paragraphs])

    def answer(self, question: str) -> Paragraph | None:
        """The best paragraph, or ``None`` when nothing matches."""
        hits = self.index.rank(self.tokenizer.tokens(question), limit=1)
        return hits[0].item if hits else None

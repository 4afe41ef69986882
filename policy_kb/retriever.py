"""Okapi BM25 over the knowledge base, for questions no intent matches confidently."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from policy_kb.homophones import HomophoneRepair, knowledge_base_words
from policy_kb.model import Clause, KnowledgeBase
from policy_kb.text import Tokenizer

T = TypeVar("T")


@dataclass(frozen=True)
class Hit(Generic[T]):
    """A retrieved item and its BM25 score."""

    item: T
    score: float


class BM25(Generic[T]):
    """Okapi BM25 over pre-tokenised documents."""

    def __init__(self, items: Sequence[T], token_lists: Sequence[list[str]], k1: float = 1.5, b: float = 0.75):
        if len(items) != len(token_lists):
            raise ValueError("items and token_lists differ in length")
        self.items = list(items)
        self.k1, self.b = k1, b
        self.tfs = [Counter(tokens) for tokens in token_lists]
        self.lengths = [len(tokens) for tokens in token_lists]
        self.avg_length = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(self.items)
        self.idf = {term: math.log((n - freq + 0.5) / (freq + 0.5) + 1.0) for term, freq in df.items()}

    def rank(self, query_tokens: list[str], limit: int = 3) -> list[Hit[T]]:
        """The ``limit`` best items for the query, best first (items with score 0 left out)."""
        scores = []
        for i, tf in enumerate(self.tfs):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg_length or 1))
            score = 0.0
            for term in set(query_tokens):
                freq = tf.get(term, 0)
                if freq:
                    score += self.idf[term] * freq * (self.k1 + 1) / (freq + norm)
            if score > 0:
                scores.append(Hit(self.items[i], score))
        scores.sort(key=lambda h: h.score, reverse=True)
        return scores[:limit]


def clause_passage(clause: Clause) -> str:
    """What the retriever indexes for a clause: title and keywords (weighted twice), answer, verbatim text."""
    keywords = " ".join(clause.keywords)
    return " ".join([clause.title, clause.title, keywords, keywords, clause.answer, clause.text])


class ClauseRetriever:
    """Finds the clause a free-text question is about."""

    def __init__(self, kb: KnowledgeBase, tokenizer: Tokenizer | None = None) -> None:
        clauses = kb.all_clauses()
        vocabulary = {word for clause in clauses for word in (*clause.keywords, clause.title)}
        self.tokenizer = tokenizer or Tokenizer(vocabulary)
        self.index = BM25(clauses, [self.tokenizer.tokens(clause_passage(c)) for c in clauses])
        self.homophones = HomophoneRepair(knowledge_base_words(kb))

    def search(self, question: str, limit: int = 3) -> list[Hit[Clause]]:
        """Clauses ranked for ``question`` (its words written with same-sounding characters put back first)."""
        return self.index.rank(self.tokenizer.tokens(self.homophones.repair(question)), limit)

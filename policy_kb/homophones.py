"""Words of the knowledge base written with same-sounding characters, as voice input does: 劳务书出 → 劳务输出.

Speech recognition and pinyin input both write a word the assistant knows with other characters of the same
sound ("劳务书出补贴", "以工代讯"); the search and the classifier then miss the word altogether. A
:class:`HomophoneRepair` knows the words of the knowledge base (clause keywords and the departments' keywords,
three characters or more) by the sound of each character, tones included, and puts the word back wherever a
run of characters sounds exactly like it. Only up to half of a word's characters may differ, so a different
word that happens to sound alike is left alone; two known words with the same sound are both left out.

The sound of a character is its first (most common) reading in pypinyin's dictionary, which ships with the
package: nothing is downloaded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from pypinyin.pinyin_dict import pinyin_dict

from policy_kb.model import KnowledgeBase

MIN_WORD_LENGTH = 3


def _sound(char: str) -> str | None:
    """The first reading of a Chinese character (with its tone mark), ``None`` for anything else."""
    readings = pinyin_dict.get(ord(char))
    return readings.split(",", 1)[0] if readings else None


class HomophoneRepair:
    """Restores known words from runs of characters that sound exactly like them."""

    def __init__(self, words: Iterable[str]) -> None:
        """Know ``words`` (those shorter than :data:`MIN_WORD_LENGTH` or not all Chinese are ignored)."""
        by_sound: dict[tuple[str, ...], str | None] = {}
        for word in set(words):
            sounds = tuple(_sound(char) for char in word)
            if len(word) < MIN_WORD_LENGTH or None in sounds:
                continue
            key: tuple[str, ...] = tuple(s for s in sounds if s is not None)
            by_sound[key] = word if by_sound.get(key, word) == word else None  # same sound, two words: neither
        self._by_sound = {key: word for key, word in by_sound.items() if word is not None}
        self._lengths = sorted({len(key) for key in self._by_sound}, reverse=True)

    def repair(self, text: str) -> str:
        """``text`` with every run that sounds like a known word (but is not written as it) replaced by the word.

        The result has the same length as ``text``, character for character.
        """
        sounds = [_sound(char) for char in text]
        out = list(text)
        position = 0
        while position < len(text):
            step = 1
            for length in self._lengths:
                window = sounds[position : position + length]
                if len(window) < length or None in window:
                    continue
                word = self._by_sound.get(tuple(s for s in window if s is not None))
                if word is None:
                    continue
                written = text[position : position + length]
                if 0 < sum(a != b for a, b in zip(written, word, strict=True)) <= length // 2:
                    out[position : position + length] = word
                step = length  # a known word (restored or as written) is not searched again inside
                break
            position += step
        return "".join(out)


def knowledge_base_words(kb: KnowledgeBase) -> set[str]:
    """The words a repair restores: every clause's keywords and the departments' keywords."""
    words = {word for clause in kb.all_clauses() for word in clause.keywords}
    words |= {word for doc in kb.documents for duty in doc.responsibilities for word in duty.keywords}
    return words


@functools.cache
def default_repair() -> HomophoneRepair:
    """The repair for the project's knowledge base, built once per process on first use."""
    from policy_kb.loader import default_kb

    return HomophoneRepair(knowledge_base_words(default_kb()))

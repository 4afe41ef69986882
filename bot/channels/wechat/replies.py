"""Turning the bot's messages into WeChat text: joining, numbered choices, splitting at the byte limit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_REPLY_BYTES = 2048
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")


@dataclass(frozen=True)
class FormattedAnswer:
    """The text of one turn, already split to the byte limit, and the choices it offers."""

    parts: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class Choice:
    """A numbered choice offered to the user in place of a button."""

    title: str
    payload: str


def utf8_len(text: str) -> int:
    """Length of ``text`` in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def _hard_split(text: str, limit: int) -> list[str]:
    """Split a run with no sentence end into pieces of at most ``limit`` bytes, on character boundaries."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        n = utf8_len(ch)
        if size + n > limit and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    if current:
        pieces.append("".join(current))
    return pieces


def split_text(text: str, limit: int = MAX_REPLY_BYTES) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-8 bytes, cutting after 。！？ or a newline.

    A sentence longer than the limit on its own is cut on character boundaries. Parts are stripped of
    surrounding whitespace and empty parts are dropped.

    Args:
        text: The full answer.
        limit: The byte limit of one WeChat text message.

    Returns:
        The parts in order; ``[]`` for blank text.
    """
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if utf8_len(sentence) > limit:
            sentences.extend(_hard_split(sentence, limit))
        elif sentence:
            sentences.append(sentence)
    parts: list[str] = []
    current = ""
    for sentence in sentences:
        if current and utf8_len(current + sentence) > limit:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _message_text(message: Mapping[str, Any]) -> str:
    lines = []
    if message.get("text"):
        lines.append(str(message["text"]).strip())
    if message.get("image"):
        lines.append(str(message["image"]))
    if message.get("attachment") and isinstance(message["attachment"], str):
        lines.append(message["attachment"])
    return "\n".join(line for line in lines if line)


def format_answer(messages: Iterable[Mapping[str, Any]], limit: int = MAX_REPLY_BYTES) -> FormattedAnswer:
    """Join the bot messages of one turn into WeChat text parts and collect their buttons as choices.

    Messages are joined with a blank line. Buttons of all messages are numbered in order and appended as
    ``回复 1：…`` lines after the text of the message that carried them.

    Args:
        messages: Bot messages as Rasa's ``CollectingOutputChannel`` records them (``text``, ``buttons``,
            ``image`` …).
        limit: The byte limit of one text message.
    """
    blocks: list[str] = []
    choices: list[Choice] = []
    for message in messages:
        block = _message_text(message)
        lines = [block] if block else []
        for button in message.get("buttons") or []:
            title = str(button.get("title", "")).strip()
            payload = str(button.get("payload", "")).strip() or title
            if not title and not payload:
                continue
            choices.append(Choice(title=title or payload, payload=payload))
            lines.append(f"回复 {len(choices)}：{title or payload}")
        if lines:
            blocks.append("\n".join(lines))
    return FormattedAnswer(parts=split_text("\n\n".join(blocks), limit), choices=choices)


def choose(text: str, payloads: Sequence[str]) -> str | None:
    """Map a numeric reply ("1", "１", " 2 ") to the payload of the offered choice, if it is one.

    Args:
        text: What the user sent.
        payloads: The payloads of the choices last offered to this user.

    Returns:
        The payload, or None when ``text`` is not the number of an offered choice.
    """
    normalized = unicodedata.normalize("NFKC", text).strip()
    if not normalized.isascii() or not normalized.isdigit():
        return None
    index = int(normalized)
    if 1 <= index <= len(payloads):
        return payloads[index - 1]
    return None

"""Chinese tokenisation for retrieval: jieba with the knowledge base's own terms added."""

from __future__ import annotations

import re
from collections.abc import Iterable

import jieba

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
# Function words and question words that say nothing about which clause is meant.
STOPWORDS = frozenset(
    "的 了 是 我 我们 你 你们 他 她 它 吗 呢 吧 啊 呀 么 嘛 哦 在 有 没有 没 和 与 及 或 等 就 都 也 还 又 "
    "要 想 能 可以 会 请问 问 问下 一下 下 什么 啥 怎么 咋 怎样 如何 多少 几 哪 哪些 哪个 这 那 这个 那个 "
    "个 给 对 把 被 让 去 来 到 从 上 中 里 为 按 按照 该 应 应该 需要 是否 不是 不 请 您 俺 咱 咱们 "
    "一 二 三 一个 政策 规定 文件 条 第".split()
)


class Tokenizer:
    """A private jieba tokenizer (the global one is left alone) that knows ``vocabulary``."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        for word in vocabulary:
            self._jieba.add_word(word, freq=50000)

    def tokens(self, text: str) -> list[str]:
        """Search-mode words plus character bigrams of each word, minus punctuation and stopwords."""
        out: list[str] = []
        for word in self._jieba.cut_for_search(text):
            word = _PUNCT_RE.sub("", word).lower()
            if not word or word in STOPWORDS:
                continue
            out.append(word)
            if len(word) > 2:
                out.extend(word[i : i + 2] for i in range(len(word) - 1))
        return out

"""Long, run-on and multi-part messages: filler out, the questions split apart.

A hotline agent types what a caller says ("来电人说他是沂水县的脱贫户，想问问公益岗合同签几年，还有点对点专车怎么报名");
voice recognition adds "喂喂能听见不" and "那个啥". :func:`strip_filler` removes such noise and :func:`split_questions`
cuts a message into the questions it asks, so each can be answered briefly.
"""

from __future__ import annotations

import re
import unicodedata

# Noise of calls and voice input, and hotline note prefixes; removed wherever they stand.
_FILLER_RE = re.compile(
    r"喂+[,，\s]*|能听(?:见|到|得见)[吗不没嘛]?|听得见[吗不]?|听到了?[吗不]|信号不好|"
    r"那个啥|那啥|就是说|这个这个|那个那个|怎么说呢|我跟你说|"
    r"(?<![\u4e00-\u9fff])[嗯啊哦呃唉诶哎]+(?![\u4e00-\u9fff])|^[嗯啊哦呃唉诶哎]+|"
    r"^(?:坐席记录|坐席|来电记录|记录)[:：]\s*"
)
_LEADING_NOISE_RE = re.compile(r"^[\s,，。.!！?？、~～]+")
# Where a second question starts.
_SPLIT_RE = re.compile(
    r"[？?！!。；;\n]+|"
    r"[，,]?\s*(?:还有(?:一个|个|就是)?(?:问题)?|另外(?:还)?(?:想)?(?:问)?(?:一下)?|再一个|再问(?:一下|一个)?|"
    r"顺便(?:问)?(?:一下|下)?|其次|二是|第二个?(?:问题)?|一是)[，,:：]?"
)
_MIN_PART = 4


_THAT_RE = re.compile(r"^那个\s*|那个(?=\s*[\u4e00-\u9fff]{2})")
# A greeting in front of a long message ("你好我是帮扶车间的负责人…") is noise as well; before a few words
# ("您好 有人值班没", "你好 请问一下") it is what the message says.
_GREETING_RE = re.compile(r"^(?:你好|您好)[呀啊]?[,，!！\s]*(?=\S.{9,})")


def filler_free_positions(text: str) -> list[int]:
    """The positions of ``text`` that remain once the noise of calls and voice input is cut out.

    The cuts repeat until none applies (removing "喂" can leave a lone "嗯" at the start); positions refer to
    ``text`` as given, so a caller can keep a map back to what was typed (see ``bot.nlu.text``).
    """
    kept = list(range(len(text)))
    while True:
        current = "".join(text[i] for i in kept)
        spans = [
            m.span() for r in (_FILLER_RE, _GREETING_RE, _THAT_RE) for m in r.finditer(current) if m.end() > m.start()
        ]
        if not spans:
            return kept
        cut = {i for start, end in spans for i in range(start, end)}
        kept = [p for i, p in enumerate(kept) if i not in cut]


def strip_filler(text: str) -> str:
    """``喂喂能听见不俺想问那个公益岗一次签几年啊`` → ``俺想问公益岗一次签几年啊``."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text[i] for i in filler_free_positions(text))
    text = re.sub(r"\s+", " ", text)
    return _LEADING_NOISE_RE.sub("", text).strip()


def split_questions(text: str) -> list[str]:
    """The questions in ``text`` (filler removed); one element for a single question."""
    cleaned = strip_filler(text)
    parts = [p.strip(" ，,、") for p in _SPLIT_RE.split(cleaned)]
    parts = [p for p in parts if len(p) >= _MIN_PART]
    return parts or ([cleaned] if cleaned else [])


# A question, said plainly ("我先问一下", "要交钱不？"), and the words that do mean stop or no.
_QUESTION_RE = re.compile(
    r"[？?]|问一下|问下|请问|想问|先问|吗|么$|不[？?]?$|要不要|多少|几个|怎么|咋|啥|什么|是不是|能不能|"
    r"哪(?:些|个|里|儿|天|年|家|位|种)|有没有|是否|能否|可否"
)
_REALLY_STOP_RE = re.compile(r"算了|不办了|不登了|不弄了|不报了|不要了|不用了|不想办|取消|停止|退出|结束")


def is_question(text: str) -> bool:
    """Whether ``text`` asks something rather than saying stop or no: ``我先问一下 登记了要交钱不？``."""
    text = unicodedata.normalize("NFKC", text or "")
    return len(text) >= 5 and bool(_QUESTION_RE.search(text)) and not _REALLY_STOP_RE.search(text)

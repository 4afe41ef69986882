"""``MessageKindOverrides``: the last NLU component; decides the intent where the text alone is decisive.

Two kinds of message are recognised by their form, not learnt:

- a clause named by number or title (``第（十）条原文``, ``十二条``, ``条款8``, ``用好乡村公益性岗位那一条``) is a
  clause lookup (``ask_clause``), whatever the classifier guessed (it tends to read "第12条说的啥" as a request
  for a person), unless the message is a service request (registration, sign-up, status…);
- a message of only emoji, symbols, punctuation or laughter (``哈哈哈``, ``嘻嘻``) is ``chitchat``: it gets a short
  reply, never a handoff;
- a question the classifier took for a stop or a no ("我先问一下 登记了要交钱不？") is a question
  (``out_of_scope`` unless the search finds a clause), so that it does not end a form and lose its answers;
  so is a question clearly about a clause that the classifier took for a yes because it ends in "才行" or "可以"
  ("劳务品牌要做成啥样才行");
- a cancellation of something the classifier took for signing up for it ("点对点的车我不坐了 取消吧" read as a
  sign-up) is a cancellation (``cancel_request``): a cancel word never starts the sign-up;
- a question whether the assistant is a person ("你是真人吗") that the classifier took for a request for a person
  is that question (``ask_bot_identity``): it gets an honest answer, not a handoff ticket;
- a question behind call noise that the classifier took for a greeting ("喂喂能听见不俺想问那个公益岗一次签几年啊")
  is a question too: the greeting is the noise, not what the caller wants.

A policy intent the classifier chose is kept even when a clause is named: the policy answer looks the clause up
by number itself; only other intents (a request for a person, the fallback…) are overridden.

The classifier's own guess stays in ``intent_ranking`` for the analytics.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalizer import ORIGINAL_TEXT
from bot.nlu.stateless import PerMessageComponent

CLAUSE_INTENT = "ask_clause"
CHITCHAT_INTENT = "chitchat"
# Requests that name a clause but ask for a service ("按第十三条报名点对点") keep their intent.
SERVICE_INTENTS = frozenset(
    {"register_job_seeking", "sign_up_transport", "check_status", "check_eligibility", "lookup_employer", "stop"}
)
QUESTION_INTENT = "out_of_scope"


_WECHAT_EMOJI_RE = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]|/:[^\s/]{1,8}")


def only_symbols(text: str) -> bool:
    """Whether ``text`` has something in it but no letter, digit or Chinese character (emoji, ``？？``, ``👍``).

    WeChat's own emoji arrive as codes (``[微笑]``, ``/:strong``); they count as symbols.
    """
    stripped = "".join(c for c in _WECHAT_EMOJI_RE.sub("☺", text) if not c.isspace())
    if not stripped:
        return False
    return not any(unicodedata.category(c)[0] in "LN" for c in stripped)


def is_side_question(text: str) -> bool:
    """Whether ``text`` asks something rather than saying stop or no (see ``policy_kb.message``)."""
    from policy_kb.message import is_question

    return is_question(text)


def is_question_behind_noise(text: str) -> bool:
    """Whether ``text`` still asks something once the filler of calls and voice input is removed."""
    from policy_kb.message import is_question, strip_filler

    rest = strip_filler(text)
    typed = "".join(unicodedata.normalize("NFKC", text).split())
    return len("".join(rest.split())) < len(typed) and is_question(rest)


def asks_about_a_clause(text: str) -> bool:
    """Whether ``text`` is a question whose words clearly belong to one clause (the strong search score)."""
    from policy_kb.answer import STRONG_RETRIEVAL
    from policy_kb.message import is_question, strip_filler

    if not is_question(text):
        return False
    hits = _retriever().search(strip_filler(text), limit=1)
    return bool(hits) and hits[0].score >= STRONG_RETRIEVAL


@functools.cache
def _retriever() -> Any:
    from policy_kb.loader import default_kb  # loaded on first use, never at import
    from policy_kb.retriever import ClauseRetriever

    return ClauseRetriever(default_kb())


def names_clause(text: str) -> bool:
    """Whether ``text`` names a clause of any document of the knowledge base."""
    from policy_kb.loader import default_kb  # loaded on first use, never at import
    from policy_kb.lookup import find_reference

    return any(find_reference(text, doc) is not None for doc in default_kb().documents)


BOT_IDENTITY_INTENT = "ask_bot_identity"
CANCEL_INTENT = "cancel_request"
# The sign-ups a cancel word can be mistaken for, and the cancel words.
_SIGN_UPS = frozenset({"sign_up_transport", "register_job_seeking", "enrol_training"})
_CANCEL_RE = re.compile(r"取消|撤销|撤回|撤了|撤掉|退了|退掉|作废|不要了|不坐了|删掉|删了")
# "Are you a person?" asks what the assistant is; "转人工" / "我要找真人" asks for a person.
_WHAT_ARE_YOU_RE = re.compile(
    r"真人|真的人|活人|机器|人工智能|\bAI\b|程序|自动回复|人工回复|系统(?:在)?回", re.IGNORECASE
)
_ASKS_RE = re.compile(r"吗|么|嘛|不[？?]?$|还是|是不是|是否|[？?]")
_WANTS_A_PERSON_RE = re.compile(r"转|找|要|接|叫|换|让|给我")


def asks_if_bot(text: str) -> bool:
    """Whether ``text`` asks if the assistant is a person or a machine, rather than asking for a person."""
    return bool(_WHAT_ARE_YOU_RE.search(text) and _ASKS_RE.search(text)) and not _WANTS_A_PERSON_RE.search(text)


# Laughter written out: as content-free as an emoji.
_LAUGHTER_RE = re.compile(r"[哈呵嘿嘻嘎]{2,}|h{3,}|2333+", re.IGNORECASE)


def only_laughter(text: str) -> bool:
    """Whether ``text`` is laughter and symbols only (``哈哈哈哈``, ``嘻嘻``, ``嘿嘿嘿！``)."""
    rest = _LAUGHTER_RE.sub("", unicodedata.normalize("NFKC", text))
    return rest != unicodedata.normalize("NFKC", text) and not any(unicodedata.category(c)[0] in "LN" for c in rest)


def override_intent(message: Message) -> str | None:
    """The intent the text decides (``ask_clause`` / ``chitchat``), or ``None`` to keep the classifier's."""
    text = message.get(ORIGINAL_TEXT) or message.get(TEXT) or ""
    if only_symbols(text) or only_laughter(text):
        return CHITCHAT_INTENT
    predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
    if predicted not in SERVICE_INTENTS and not predicted.startswith("ask_") and names_clause(text):
        return CLAUSE_INTENT
    if predicted in ("stop", "deny") and is_side_question(text):
        return QUESTION_INTENT
    if predicted == "affirm" and asks_about_a_clause(text):
        return QUESTION_INTENT
    if predicted == "greet" and is_question_behind_noise(text):
        return QUESTION_INTENT
    if predicted == "request_human" and asks_if_bot(text):
        return BOT_IDENTITY_INTENT
    if predicted in _SIGN_UPS and _CANCEL_RE.search(text):
        return CANCEL_INTENT
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageKindOverrides(PerMessageComponent):
    """Sets the intent of clause lookups and symbol-only messages (see the module docstring)."""

    applies_in_training = False  # nothing to learn: the text decides

    def apply(self, message: Message) -> None:
        """Override the intent where the text decides it."""
        intent = override_intent(message)
        if intent is None:
            return
        decided: dict[str, Any] = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
        message.set(INTENT, decided, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [decided, *ranking], add_to_output=True)

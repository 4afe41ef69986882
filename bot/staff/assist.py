"""Agent assist: what the assistant would answer to the caller's words, with the clause, its figures and validity.

The words go through the same trained NLU (Rasa's ``/model/parse`` behind ``RASA_API_TOKEN``) and then the
bot's own policy action (``action_answer_policy``, which hands unsure messages to the clarification); nothing
here decides an answer on its own. What is added is for the agent: the clause text with its figures marked,
whether it is in force on the day, and the next two candidate clauses with the reason they came up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
import yaml
from markupsafe import Markup, escape

from bot.handoff.rasa_api import RasaApi
from policy_kb.answer import ROUTED_ELSEWHERE, PolicyResponder
from policy_kb.dates import clause_status, expiry_reason, format_date
from policy_kb.model import Clause
from policy_kb.vocabulary import VALIDITY_LABELS

MAX_TEXT = 1000
DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
RULES_DIR = Path(__file__).resolve().parents[2] / "data" / "rules"
# What the intents the bot's rules send to other actions than the policy answer mean (for the agent's note).
OTHER_HANDLING = {
    "greet": "问候",
    "goodbye": "告别",
    "thank": "致谢",
    "affirm": "肯定回答",
    "deny": "否定回答",
    "stop": "停止办理",
    "ask_capabilities": "询问能办什么",
    "request_human": "要求转人工",
}


class AssistError(Exception):
    """The NLU cannot be reached; the message is one Chinese line for the agent."""


@dataclass(frozen=True)
class Validity:
    """Whether a clause applies on a day."""

    status: str  # active | clause_expired | document_expired | not_yet_issued
    label: str
    text: str


@dataclass(frozen=True)
class ClauseView:
    """A clause as the agent sees it."""

    ref: str
    label: str
    title: str
    citation: str
    text_html: str
    figures: list[str]
    validity: Validity


@dataclass(frozen=True)
class AssistResult:
    """Everything the assist panel shows for one set of words."""

    text: str
    answer: str
    kind: str
    intent: str | None
    confidence: float
    note: str = ""
    options: list[str] = field(default_factory=list)
    clause: ClauseView | None = None
    candidates: list[Candidate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """Another clause the words may be about, and why it came up."""

    clause: ClauseView
    why: str


def validity_of(responder: PolicyResponder, clause: Clause, on: dt.date) -> Validity:
    """The clause's status on ``on`` with the reason, from :mod:`policy_kb.dates`."""
    doc = responder.kb.document_by_id(clause.document_id)
    status = clause_status(doc, clause, on)
    reason = expiry_reason(doc, clause, on)
    if reason is None:
        until = clause.valid_until or doc.effective_until
        reason = f"截至{format_date(on)}仍在执行期内" + (f"，执行至{format_date(until)}" if until else "")
    return Validity(status=status.value, label=VALIDITY_LABELS[status.value], text=reason)


def highlight_figures(clause: Clause) -> tuple[str, list[str]]:
    """The clause's verbatim text as HTML with every figure of the knowledge base marked; the figures."""
    rendered = [figure.render() for figure in clause.figures.values()]
    numbers = {str(figure.number) for figure in clause.figures.values()}
    dates = [clause.valid_until_text] if clause.valid_until_text else []
    words = sorted({*rendered, *dates}, key=len, reverse=True)
    patterns = [re.escape(w) for w in words] + [rf"(?<![\d.]){re.escape(n)}(?![\d.])" for n in numbers]
    text = str(escape(clause.text))
    if patterns:
        text = re.sub("|".join(patterns), lambda m: f"<mark>{m.group(0)}</mark>", text)
    return str(Markup(text)), rendered


def clause_view(responder: PolicyResponder, clause: Clause, on: dt.date) -> ClauseView:
    """The clause with highlighted figures and validity."""
    html, figures = highlight_figures(clause)
    return ClauseView(
        ref=f"{clause.document_id}#{clause.number}",
        label=clause.label,
        title=clause.title,
        citation=clause.citation,
        text_html=html,
        figures=figures,
        validity=validity_of(responder, clause, on),
    )


POLICY_ACTIONS = ("action_answer_policy", "action_clarify")


@lru_cache(maxsize=1)
def policy_intents() -> frozenset[str]:
    """Intents the bot's rules (``data/rules/``) answer with the policy action or the clarification."""
    found: set[str] = set()
    for path in sorted(RULES_DIR.glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []:
            steps = rule.get("steps") or []
            if rule.get("condition") or len(steps) < 2:
                continue
            if "intent" in steps[0] and steps[1].get("action") in POLICY_ACTIONS:
                found.add(steps[0]["intent"])
    return frozenset(found)


@lru_cache(maxsize=1)
def _domain() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def _response_text(name: str | None) -> str:
    """The text of a domain response (``utter_…``) as Rasa renders it for a message that names one."""
    variants = (_domain().get("responses") or {}).get(name or "") or []
    return (variants[0].get("text") or "") if variants else ""


async def bot_reply(parse: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """What the bot says to a first message with this parse: its text, the buttons' titles and the clause cited.

    Runs the bot's own policy action (which hands unsure messages to the clarification) on a conversation
    that has only this message, so the console can never answer differently from the bot.
    """
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.policy import ActionAnswerPolicy

    tracker = Tracker(
        sender_id="console-assist",
        slots={},
        latest_message=parse,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, tracker, _domain())
    texts = [m.get("text") or _response_text(m.get("response")) for m in dispatcher.messages]
    text = "\n".join(t for t in texts if t)
    options = [b.get("title", "") for m in dispatcher.messages for b in m.get("buttons") or []]
    refs = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == "last_clause"]
    return text, options, (refs[-1] if refs else None)


def _candidates(
    responder: PolicyResponder, parse: dict[str, Any], chosen: Clause | None, on: dt.date
) -> list[Candidate]:
    text = parse.get("text") or ""
    picked: dict[str, tuple[Clause, list[str]]] = {}
    chosen_ref = f"{chosen.document_id}#{chosen.number}" if chosen else None
    for ranked in parse.get("intent_ranking") or []:
        topic = responder.topic_of_intent(ranked.get("name"))
        if not topic:
            continue
        clause = responder.kb.clause_for_topic(topic, on)
        if clause is None:
            continue
        ref = f"{clause.document_id}#{clause.number}"
        if ref != chosen_ref:
            reason = f"意图识别排名：{ranked.get('name')}（置信度 {float(ranked.get('confidence') or 0):.2f}）"
            picked.setdefault(ref, (clause, []))[1].append(reason)
    query = set(responder.retriever.tokenizer.tokens(text))
    for hit in responder.retriever.search(text, limit=4):
        ref = f"{hit.item.document_id}#{hit.item.number}"
        if ref == chosen_ref:
            continue
        shared = [w for w in hit.item.keywords if any(w in q or q in w for q in query if len(q) > 1)][:4]
        words = f"，共同关键词：{'、'.join(shared)}" if shared else ""
        picked.setdefault(ref, (hit.item, []))[1].append(f"全文检索得分 {hit.score:.1f}{words}")
    ranked = sorted(picked.values(), key=lambda item: -len(item[1]))[:2]
    return [Candidate(clause_view(responder, c, on), "；".join(reasons)) for c, reasons in ranked]


def _clause_of(responder: PolicyResponder, ref: str | None) -> Clause | None:
    if not ref or "#" not in ref:
        return None
    document_id, number = ref.split("#", 1)
    return responder.kb.find_clause(document_id, number)


async def assist(responder: PolicyResponder, parse: dict[str, Any], on: dt.date) -> AssistResult:
    """Build the assist panel's content for a Rasa parse result."""
    intent = (parse.get("intent") or {}).get("name")
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    note = ""
    if intent in ROUTED_ELSEWHERE or intent not in policy_intents():
        said, ref = "", None
        options: list[Any] = []
        meaning = OTHER_HANDLING.get(intent or "", "办理业务（进入登记、查询等流程）")
        note = f"助手会把这句话当作“{meaning}”处理，不给政策答复。下面是可能相关的条款。"
    else:
        said, options, ref = await bot_reply(parse)
        if options:
            note = "助手没有把握，会请来电人在以下选项中选择。"
        elif ref is None:
            note = "助手没有引用条款（知识库中没有对应内容时，会说明范围并提供热线）。"
    clause = _clause_of(responder, ref)
    view, candidates = await asyncio.to_thread(
        lambda: (clause_view(responder, clause, on) if clause else None, _candidates(responder, parse, clause, on))
    )
    return AssistResult(
        text=parse.get("text") or "",
        answer=said,
        kind="clause" if clause else ("clarify" if options else ("other" if not said else "answer")),
        intent=intent,
        confidence=confidence,
        note=note,
        options=options,
        clause=view,
        candidates=candidates,
    )


class RasaNlu(RasaApi):
    """The trained model's NLU, through Rasa's HTTP API (``/model/parse``, token-protected)."""

    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        """``base_url`` like ``http://127.0.0.1:5005``; ``token`` is ``RASA_API_TOKEN``."""
        super().__init__(base_url, token, timeout)

    def parse(self, text: str) -> dict[str, Any]:
        """The parse result for ``text``; raises :class:`AssistError` when Rasa does not answer."""
        try:
            response = self._http.post(
                f"{self.base_url}/model/parse",
                params={"token": self.token},
                json={"text": text},
                timeout=self.timeout,
            )
        except requests.RequestException:
            raise AssistError("暂时连不上助手的语义理解服务（Rasa），请稍后再试或直接查阅政策原文。") from None
        if response.status_code != 200:
            raise AssistError(f"助手的语义理解服务返回错误（HTTP {response.status_code}），请稍后再试。")
        return response.json()


def clean_words(raw: object) -> str:
    """The caller's words as typed or pasted; raises :class:`ValueError` with a Chinese message when unusable."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("请先输入来电人的问题。")
    text = " ".join(raw.split())
    if len(text) > MAX_TEXT:
        raise ValueError(f"内容太长（{len(text)} 字），请只粘贴来电人的问题，{MAX_TEXT} 字以内。")
    return text

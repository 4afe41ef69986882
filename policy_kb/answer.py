"""Compose answers from the knowledge base: concise, with the numbers, the key condition and the citation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from policy_kb.dates import ClauseStatus, clause_status, clause_time_note, document_expired, format_date
from policy_kb.document_answers import (
    contact,
    current_policy,
    employer_overview,
    original_text,
    out_of_scope,
    responsibility,
    responsibility_matching,
    validity,
)
from policy_kb.estimate import estimate
from policy_kb.lookup import ClauseReference, find_reference
from policy_kb.message import is_question, split_questions, strip_filler
from policy_kb.model import Clause, KnowledgeBase
from policy_kb.reply import MAX_MESSAGE_CHARS, Answer, fit_message
from policy_kb.retriever import ClauseRetriever
from policy_kb.stated import Application, GroupEstimate, StatedFacts, apply_to_person, estimate_groups

TOPIC_INTENT_PREFIX = "ask_"
# Questions about the document as a whole (who to contact, how long it is valid, which department does what,
# what is in force now, what it offers employers or agencies).
DOCUMENT_INTENTS = (
    "ask_contact",
    "ask_validity",
    "ask_responsibility",
    "ask_current_policy",
    "ask_employer_overview",
)
META_INTENTS = (*DOCUMENT_INTENTS, "ask_original_text")
# Intents whose rules run something other than the policy answer (see data/rules/).
ROUTED_ELSEWHERE = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "stop",
        "ask_capabilities",
        "request_human",
        "chitchat",
        "ask_bot_identity",
    }
)
# A clause named by number or title (bot.nlu.overrides sets it from the text).
CLAUSE_INTENT = "ask_clause"
# A question that is about none of the clauses; inside a form it is answered (scope and hotline) and the form goes on.
QUESTION_INTENT = "out_of_scope"
# The employer's subsidy estimate form (actions/employer.py).
ESTIMATE_INTENT = "estimate_subsidy"
ORIGINAL_TEXT_OFFER = "回复“原文”可查看条文原文。"
# BM25 score at which a question is clearly about a clause whatever the classifier said (typos, unusual wording).
STRONG_RETRIEVAL = 15.0


def answer_clause(
    kb: KnowledgeBase, clause: Clause, on: dt.date, people: int | None = None, heading: str | None = None
) -> Answer:
    """The concise answer for ``clause`` as of ``on``; with ``people``, the standard amount for them too."""
    doc = kb.document_by_id(clause.document_id)
    note = clause_time_note(doc, clause, on, kb.hotline)
    heading = heading or (clause.benefit.name if clause.benefit else clause.title)
    lines = [f"【{heading}】{clause.answer}"]
    if people and clause.benefit:
        lines.append(estimate(clause.benefit, people).sentence)
    lines.append(f"提醒：{clause.key_condition}")
    if note.startswith("请注意"):
        lines.insert(0, note)
    elif note:
        lines.append(note)
    lines += [clause.citation, ORIGINAL_TEXT_OFFER]
    lines = fit_message(lines, optional=(ORIGINAL_TEXT_OFFER, f"提醒：{clause.key_condition}"))
    return Answer(text="\n".join(lines), clause=clause)


def _expired_notice(kb: KnowledgeBase, clause: Clause, on: dt.date, done: str = "计算") -> str:
    """The time note for an answer computed from the clause (said after the figures it qualifies)."""
    doc = kb.document_by_id(clause.document_id)
    status = clause_status(doc, clause, on)
    end = format_date(doc.effective_until) if doc.effective_until else ""
    if status is ClauseStatus.CLAUSE_EXPIRED and document_expired(doc, on):
        return (
            f"请注意：这项政策只执行到{clause.valid_until_text}，已经结束，本文件也已于{end}截止，以下按原政策{done}；"
            f"现行政策请咨询{kb.hotline.render()}。"
        )
    if status is ClauseStatus.DOCUMENT_EXPIRED:
        return f"请注意：本文件已于{end}截止，以下按原政策{done}；现行政策请咨询{kb.hotline.render()}。"
    return clause_time_note(doc, clause, on, kb.hotline)


def answer_estimate(kb: KnowledgeBase, clause: Clause, on: dt.date, result: GroupEstimate) -> Answer:
    """An estimate split by group: the excluded people named, the sum, what is still to be said."""
    heading = clause.benefit.name if clause.benefit else clause.title
    note = _expired_notice(kb, clause, on)
    lines = ([note] if note else []) + [f"【{heading}】按您说的算："] + result.lines()
    lines.append(clause.citation)
    return Answer(text="\n".join(lines), clause=clause, kind="estimate", extras={"amount": result.amount})


def answer_applied(kb: KnowledgeBase, clause: Clause, on: dt.date, result: Application, question: str = "") -> Answer:
    """ "Does this apply to me": the deciding condition first, then the clause in brief and the citation.

    What the clause gives and its key condition follow when they fit one message; when the whole summary does
    not, its sentence closest to ``question`` does ("能认定就业困难人员吗" still hears what the clause grants).
    """
    note = _expired_notice(kb, clause, on, done="判断")
    summary = f"政策内容：{clause.answer}"
    reminder = f"提醒：{clause.key_condition}"
    head = ([note] if note else []) + [f"【{clause.title}】"] + result.lines()
    tail = [clause.citation, ORIGINAL_TEXT_OFFER]
    # The reminder goes first when space is short, then the summary; “原文” gives the clause in full.
    lines = fit_message([*head, summary, reminder, *tail], optional=(reminder, summary))
    if summary not in lines:
        closest = f"政策内容：{brief(clause, question)}"
        lines = fit_message([*head, closest, *tail], optional=(closest,))
    return Answer(text="\n".join(lines), clause=clause, kind="applied", extras={"outcome": result.outcome.value})


def answer_reference(kb: KnowledgeBase, ref: ClauseReference, on: dt.date) -> Answer:
    """A clause named by number or title: its summary (or, when asked, its text); a missing number said so."""
    doc = kb.document(on)
    if ref.clause is None:
        last = doc.clauses[-1].label if doc.clauses else ""
        text = (
            f"{doc.number}共有{len(doc.clauses)}条（第（一）条至{last}），没有第{ref.number}条。"
            "请说条款序号（如“第十二条”）或条款名称，我把内容发给您。"
        )
        return Answer(text=text, kind="clause_lookup")
    clause = ref.clause
    if ref.wants_original:
        return original_text(kb, clause)
    answer = answer_clause(kb, clause, on, heading=f"{clause.label} {clause.title}")
    if ref.asks_which:
        text = f"“{clause.title}”是{doc.number}{clause.label}。\n{answer.text}"
        return Answer(text=text, clause=clause, kind="clause_lookup")
    return Answer(text=answer.text, clause=clause, kind="clause_lookup")


_VALIDITY_RE = re.compile(r"有效|截止|到期|过期|什么时候(?:结束|截止|到期)|还(?:管用|执行|能用)|执行到")
# A question about how long the document itself runs ("这政策管到哪一年"), never out of scope.
_DOCUMENT_LIFE_RE = re.compile(
    r"(?:政策|文件|规定|88号文).{0,6}(?:管到|管多久|管几年|有效|到期|截止|执行到|到哪一?年|哪一?年为止|用到哪)"
)
_SENTENCE_RE = re.compile(r"(?<=[。；])")
# "谁负责…", "归哪个部门管": who does it, answered from the document's division of work.
_WHO_IS_RESPONSIBLE_RE = re.compile(r"谁负责|哪个部门负责|哪个部门管|归哪个部门|归谁管|哪个部门来管|由哪个部门")
# "我是易地扶贫搬迁户，…": who the asker is, said before the question; a fact about them, not the question.
_SELF_DESCRIPTION_RE = re.compile(
    r"^(?:我|俺|我们|俺们|来电人|他|她)家?(?:是|属于)[^，,。？?！!]{1,20}?(?:户|人口|群众|人员)[，,。\s]+"
)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def brief(clause: Clause, question: str) -> str:
    """The sentence of the clause's answer (or key condition) closest to ``question``."""
    sentences = [x.strip("；") for x in _SENTENCE_RE.split(f"{clause.answer}{clause.key_condition}") if x.strip()]
    wanted = _bigrams(question)
    best = max(sentences, key=lambda x: len(_bigrams(x) & wanted))
    return best if best.endswith("。") else best + "。"


def combine(
    kb: KnowledgeBase, main: Answer, question: str, extras: list[tuple[str, Clause | None]], on: dt.date
) -> Answer:
    """The main answer, then one short line per further question (``clause`` ``None``: the document's validity).

    To stay within one message the main answer loses, in turn, its reminder, its summary and the “原文” offer;
    then it is cut to its closest sentence too; as a last resort the further questions are only named.
    """
    lines = main.text.split("\n")
    added = []
    for question, clause in extras:
        if clause is None:
            doc = kb.document(on)
            state = "已经截止" if document_expired(doc, on) else "仍在执行期内"
            until = format_date(doc.effective_until) if doc.effective_until else ""
            added.append(f"另外，{doc.number}的执行期限到{until}，{state}。")
        else:
            added.append(f"另外，【{clause.title}】{brief(clause, question)}（{clause.label}）")
    optional = (
        *(line for line in lines if line.startswith("提醒：")),
        *(line for line in lines if line.startswith("政策内容：")),
        *(line for line in lines if line == ORIGINAL_TEXT_OFFER),
    )
    body = fit_message([*lines, *added], optional=optional)
    summary = next((line for line in lines if line.startswith("政策内容：")), None)
    if summary is not None and summary not in body and main.clause is not None and main.clause.citation in body:
        # A judgement without what the clause gives: its sentence closest to the question, when that fits.
        closest = body.copy()
        closest.insert(body.index(main.clause.citation), f"政策内容：{brief(main.clause, question)}")
        closest = fit_message(closest, optional=(ORIGINAL_TEXT_OFFER,))
        body = closest if len("\n".join(closest)) <= MAX_MESSAGE_CHARS else body
    if len("\n".join(body)) > MAX_MESSAGE_CHARS and main.clause is not None and main.kind == "clause":
        notice = [line for line in lines if line.startswith("请注意")]
        first = f"【{main.clause.title}】{brief(main.clause, question)}"
        body = [*notice, first, *added, main.clause.citation]
    if len("\n".join(body)) > MAX_MESSAGE_CHARS:
        titles = "、".join(f"“{c.title}”（回复“{c.label}”）" for _, c in extras if c is not None)
        body = fit_message(lines, optional=optional) + ([f"您还问到{titles}，可以接着问我。"] if titles else [])
    return Answer(text="\n".join(body), clause=main.clause, kind=main.kind, extras=main.extras)


def _question_beyond_self_description(text: str) -> str | None:
    """The first question after "我是易地扶贫搬迁户，", or ``None`` when the message does not start so."""
    described = _SELF_DESCRIPTION_RE.match(text)
    asked = split_questions(text[described.end() :]) if described else []
    return asked[0] if asked else None


class PolicyResponder:
    """Routes a parsed message to the right answer: intent first, the retriever as the fallback."""

    def __init__(
        self,
        kb: KnowledgeBase,
        intent_threshold: float = 0.4,
        retrieval_threshold: float = 6.0,
        strong_retrieval: float = STRONG_RETRIEVAL,
        count_people: Callable[[str], int | None] | None = None,
        extract_facts: Callable[[str], StatedFacts] | None = None,
    ):
        """Build the router.

        Args:
            kb: the knowledge base.
            intent_threshold: NLU confidence from which an intent is trusted (the NLU fallback threshold in
                config.yml: an intent the NLU did not send to the clarification is not second-guessed).
            retrieval_threshold: BM25 score from which a search hit is answered.
            strong_retrieval: BM25 score at which the question is clearly about a clause even though the
                NLU called it out of scope (typos and unusual wording).
            count_people: finds "how many people" in a question (for subsidy sums); none by default.
            extract_facts: reads the facts a question states (counts per group, category, months, origin…);
                with it, estimates are split by group and "does this apply to me" is answered from the facts.
        """
        self.kb = kb
        self.strong_retrieval = strong_retrieval
        self.count_people = count_people or (lambda _text: None)
        self.extract_facts = extract_facts
        self.retriever = ClauseRetriever(kb)
        self.intent_threshold = intent_threshold
        self.retrieval_threshold = retrieval_threshold
        self._topics = {c.topic for c in kb.all_clauses()}

    def topic_of_intent(self, intent: str | None) -> str | None:
        """``ask_work_for_training`` → ``work_for_training`` when the knowledge base has that topic."""
        if intent and intent.startswith(TOPIC_INTENT_PREFIX):
            topic = intent[len(TOPIC_INTENT_PREFIX) :]
            if topic in self._topics:
                return topic
        return None

    def respond(
        self,
        text: str,
        intent: str | None,
        confidence: float,
        on: dt.date,
        last_clause_ref: str | None = None,
    ) -> Answer:
        """Answer ``text`` given the NLU's ``intent`` and ``confidence`` on date ``on``."""
        confident = confidence >= self.intent_threshold
        topic = self.topic_of_intent(intent)
        topic_clause = self.kb.clause_for_topic(topic, on) if topic and confident else None
        if topic_clause and _WHO_IS_RESPONSIBLE_RE.search(text):
            # "谁负责…认定管理和动态监测" asks for the division of work, not the clause on the same subject.
            duty = responsibility_matching(self.kb, text, on)
            if duty is not None:
                return duty
        if topic_clause:
            facts = self.extract_facts(text) if self.extract_facts is not None else None
            chosen = self._asked_beyond_self_description(text, topic_clause)
            if facts is not None:
                chosen = self._clause_for_named_group(text, chosen, facts.named_categories)
            return self._clause_answer(chosen, text, on, facts)
        if intent == "ask_original_text" and confident:
            clause = self.matching_clause(text) or self._clause_from_ref(last_clause_ref)
            if clause:
                return original_text(self.kb, clause)
            return Answer(text="请先告诉我您想看哪一项政策，例如“以工代训的原文”。", kind="original")
        if intent == "out_of_scope" and confident:
            clause = self.matching_clause(text, at_least=self.strong_retrieval)
            if clause:
                return self._clause_answer(clause, text, on)
            return validity(self.kb, on) if _DOCUMENT_LIFE_RE.search(text) else out_of_scope(self.kb)
        if intent == "ask_contact" and confident:
            return contact(self.kb, on)
        if intent == "ask_validity" and confident:
            return validity(self.kb, on)
        if intent == "ask_responsibility" and confident:
            return responsibility(self.kb, text, on)
        if intent == "ask_current_policy" and confident:
            return current_policy(self.kb, on)
        if intent == "ask_employer_overview" and confident:
            return employer_overview(self.kb, text, on)
        clause = self.matching_clause(text)
        if clause:
            return self._clause_answer(clause, text, on)
        return validity(self.kb, on) if _DOCUMENT_LIFE_RE.search(text) else out_of_scope(self.kb)

    def _asked_beyond_self_description(self, text: str, clause: Clause) -> Clause:
        """The clause the question asks about once the asker's description of themself is set aside.

        "我是易地扶贫搬迁户，能坐点对点专车吗" names the relocation clause in the description and asks about the
        点对点 clause; the classifier reads the whole and may pick the description. Only a clear match of the
        question itself (the strong retrieval score) on another clause overrides the classifier.
        """
        question = _question_beyond_self_description(text)
        if question is None:
            return clause
        hits = self.retriever.search(question, limit=1)
        if hits and hits[0].score >= self.strong_retrieval and hits[0].item.number != clause.number:
            return hits[0].item
        return clause

    def _clause_for_named_group(self, text: str, clause: Clause, named: frozenset[str]) -> Clause:
        """The clause for the group of people the question names, when the classifier's is for other people.

        "承接了一个以工代赈项目，是不是得安排搬迁户来干" is about the 以工代赈 clause's subject, but asks about
        搬迁户, whom only the relocation clause (which names 以工代赈 projects too) is for. The search must find
        that clause clearly: a strong score, half as high again as the classifier's clause.
        """
        if not named or named & set(clause.beneficiaries):
            return clause
        hits = self.retriever.search(strip_filler(text), limit=3)
        if not hits or hits[0].item.number == clause.number or not named & set(hits[0].item.beneficiaries):
            return clause
        own = next((h.score for h in hits if h.item.number == clause.number), 0.0)
        if hits[0].score >= self.strong_retrieval and hits[0].score >= 1.5 * own:
            return hits[0].item
        return clause

    def matching_clause(self, text: str, *, at_least: float | None = None) -> Clause | None:
        """The clause the full-text search finds for ``text`` with a score of at least ``at_least``.

        Args:
            text: the question.
            at_least: the BM25 score required; the retrieval threshold when not given.
        """
        hits = self.retriever.search(strip_filler(text), limit=1)
        threshold = self.retrieval_threshold if at_least is None else at_least
        return hits[0].item if hits and hits[0].score >= threshold else None

    def answers_mid_form(self, intent: str | None, text: str) -> bool:
        """Whether a message inside a form is a policy question to answer before going on with the form.

        A question about the document (contact, validity, responsibilities), a clause named by number, or a
        plain question about nothing the document covers (answered with the scope and the hotline) is; a topic
        intent is only when the search finds a clause for the text too, so that a name or a place is never taken
        for a question.
        """
        if intent in DOCUMENT_INTENTS or intent == CLAUSE_INTENT:
            return True
        if intent == QUESTION_INTENT:
            return is_question(text)
        return self.topic_of_intent(intent) is not None and self.matching_clause(text) is not None

    def _clause_answer(self, clause: Clause, text: str, on: dt.date, facts: StatedFacts | None = None) -> Answer:
        # A search hit may come from an older document: answer from the one that applies on ``on``.
        clause = self.kb.clause_for_topic(clause.topic, on) or clause
        if self.extract_facts is not None:
            facts = facts if facts is not None else self.extract_facts(text)  # read once: the caller may have
            if clause.benefit and facts.counts_people:
                result = estimate_groups(clause, facts)
                if result is not None:
                    return answer_estimate(self.kb, clause, on, result)
            # An employer saying "招了几个脱贫户" describes its workers, not itself: the category alone does not
            # make a clause for employers a question about the asker's own eligibility.
            only_category = facts.about_a_person and not dataclasses.replace(facts, category=None).about_a_person
            if facts.about_a_person and not (only_category and "worker" not in clause.audiences):
                applied = apply_to_person(clause, facts)
                if applied is not None:
                    return answer_applied(self.kb, clause, on, applied, text)
        people = self.count_people(text) if clause.benefit else None
        return answer_clause(self.kb, clause, on, people=people)

    def respond_to_parse(self, parse: Mapping[str, Any], on: dt.date, last_clause_ref: str | None = None) -> Answer:
        """Answer a Rasa parse result; a message with several questions gets a short line for each further one.

        See :meth:`respond_single` for how the main question is answered.
        """
        answer = self.respond_single(parse, on, last_clause_ref)
        if answer.kind not in ("clause", "estimate", "applied"):
            return answer
        parts = split_questions(parse.get("text") or "")
        if len(parts) < 2:
            return answer
        found = [self.retriever.search(part, limit=1) for part in parts]
        answer = self._first_question_first(answer, parts, found, on)
        extras: list[tuple[str, Clause | None]] = []
        seen = {answer.clause.number if answer.clause else None}
        validity_added = False
        for part, hits in zip(parts, found, strict=True):
            if hits and hits[0].score >= self.retrieval_threshold and hits[0].item.number not in seen:
                seen.add(hits[0].item.number)
                extras.append((part, hits[0].item))
            elif _VALIDITY_RE.search(part) and not validity_added and not (hits and hits[0].item.number in seen):
                validity_added = True
                extras.append((part, None))
        return combine(self.kb, answer, parts[0], extras, on) if extras else answer

    def _first_question_first(self, answer: Answer, parts: list[str], found: list[list[Any]], on: dt.date) -> Answer:
        """The answer to the first question when the classifier answered a later one.

        The classifier reads a message as a whole and may pick the topic of its second question; when the first
        question clearly finds another clause and a later question finds the classifier's, the questions are
        answered in the order they were asked. ``found`` holds each part's best search hit. This holds for an
        answer that applied the stated facts to the later clause too ("我是边缘户想学个手艺，培训期间有补贴吗？还有
        灵活就业有社保补贴吗": the self-description belongs to both questions).
        """
        if answer.kind not in ("clause", "applied", "estimate") or answer.clause is None:
            return answer
        first = found[0]
        if not first or first[0].score < self.retrieval_threshold or first[0].item.number == answer.clause.number:
            return answer
        if not any(hits and hits[0].item.number == answer.clause.number for hits in found[1:]):
            return answer
        return self._clause_answer(first[0].item, parts[0], on)

    def respond_single(self, parse: Mapping[str, Any], on: dt.date, last_clause_ref: str | None = None) -> Answer:
        """Answer a Rasa parse result (``text``, ``intent``, ``intent_ranking``).

        When the fallback classifier fired, a clear full-text match (or one that agrees with the classifier's
        best guess) is answered; otherwise the answer is of kind ``clarify`` with the intent ranking in
        ``extras`` so the caller can ask which was meant.
        """
        intent = parse.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        text = parse.get("text") or ""
        ref = find_reference(text, self.kb.document(on))
        if ref is not None:
            return answer_reference(self.kb, ref, on)
        if name == "nlu_fallback":
            ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
            best = ranking[0].get("name") if ranking else None
            hits = self.retriever.search(_question_beyond_self_description(text) or strip_filler(text), limit=1)
            if hits and (
                hits[0].score >= self.strong_retrieval
                or (hits[0].score >= self.retrieval_threshold and self.topic_of_intent(best) == hits[0].item.topic)
            ):
                return self._clause_answer(hits[0].item, text, on)
            document = self._document_question(ranking)
            if document is not None:
                return self.respond(text, document, 1.0, on, last_clause_ref)
            rate = self._rate_question(ranking, text, on)
            if rate is not None:
                return self._clause_answer(rate, text, on)
            return Answer(text="", kind="clarify", extras={"ranking": tuple(ranking)})
        return self.respond(text, name, confidence, on, last_clause_ref)

    @staticmethod
    def _document_question(ranking: list[Mapping[str, Any]]) -> str | None:
        """An unsure question about the document itself (its contact unit, validity…) that is clearly that one.

        Such answers state only what the document says about itself, so a clear lead (twice the next meaning)
        is enough: asking back which was meant would only delay the contact unit or the dates.
        """
        scores = [float(r.get("confidence") or 0.0) for r in ranking[:2]] + [0.0]
        best = ranking[0].get("name") if ranking else None
        if best in DOCUMENT_INTENTS and scores[0] >= 0.25 and scores[0] >= 2 * scores[1]:
            return best
        return None

    def _rate_question(self, ranking: list[Mapping[str, Any]], text: str, on: dt.date) -> Clause | None:
        """The subsidy clause of an unsure "how much" that is torn between the clause and the estimate form.

        Without a head count there is nothing to estimate: the clause's own rate answers the question (and the
        estimate can follow when the asker gives numbers).
        """
        names = [r.get("name") for r in ranking[:2]]
        if ESTIMATE_INTENT not in names or (self.count_people(text) or 1) > 1:
            return None
        topic = next((self.topic_of_intent(n) for n in names if self.topic_of_intent(n)), None)
        clause = self.kb.clause_for_topic(topic, on) if topic else None
        return clause if clause is not None and clause.benefit is not None else None

    def _clause_from_ref(self, ref: str | None) -> Clause | None:
        if not ref or "#" not in ref:
            return None
        document_id, number = ref.split("#", 1)
        return self.kb.find_clause(document_id, number)

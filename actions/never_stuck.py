"""Never stuck inside a form: another service asked for switches to it, repeated invalid answers get ways out.

* A confident request for another service (``check_status`` while registering, say) that is not a valid answer
  to the question asked stops the current form, saves nothing of it, says so, and starts the asked-for form.
* After :data:`MAX_INVALID` invalid answers in a row to the same question, the re-ask also offers the ways
  out: say it differently, 算了, 转人工, the hotline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.validation.answers import MAX_ANSWER_LENGTH
from policy_kb.message import is_question

# The service intents, the form each starts and how the service is called in a reply.
SERVICES: Mapping[str, tuple[str, str]] = {
    "register_job_seeking": ("job_seeking_form", "求职登记"),
    "sign_up_transport": ("transport_form", "“点对点”专车报名"),
    "check_status": ("status_form", "办理进度查询"),
    "check_eligibility": ("eligibility_form", "个人可享受政策查询"),
    "estimate_subsidy": ("estimate_form", "补贴测算"),
    "lookup_employer": ("employer_form", "单位备案信息查询"),
    "enrol_training": ("training_form", "技能培训报名"),
    "apply_subsidy": ("subsidy_form", "单位补贴申请"),
    "change_request": ("change_form", "修改“点对点”出发日期"),
}
FORM_LABELS: Mapping[str, str] = {form: label for form, label in SERVICES.values()}
# How sure the NLU must be of another service before a form gives way to it.
SWITCH_CONFIDENCE = 0.8
MAX_INVALID = 3
# A slot the validation returns to ask for a switch; it never reaches the tracker (see AssistantFormValidation).
SWITCH_MARKER = "_switch_to_form"
WAYS_OUT_BUTTONS: tuple[dict[str, str], ...] = (
    {"title": "算了，不办了", "payload": "/stop"},
    {"title": "转人工", "payload": "/request_human"},
)


@dataclass(frozen=True)
class Switch:
    """Leave ``from_form`` for ``to_form``, with the sentence that says so."""

    from_form: str | None
    to_form: str
    message: str


def requested_service(parse: Mapping[str, Any], active_form: str | None) -> Switch | None:
    """The other service the message confidently asks for inside ``active_form``, or ``None``.

    A message too long to be an answer is not a request either: the form says it is too long and keeps its
    answers (a pasted wall of text can look like anything to the classifier).
    """
    if len(parse.get("text") or "") > MAX_ANSWER_LENGTH:
        return None
    intent = parse.get("intent") or {}
    name = intent.get("name") or ""
    if name not in SERVICES or float(intent.get("confidence") or 0) < SWITCH_CONFIDENCE:
        return None
    form, label = SERVICES[name]
    if form == active_form:
        return None
    current = FORM_LABELS.get(active_form or "", "刚才的办理")
    message = f"好的，先停下“{current}”（刚才填写的信息没有保存），现在开始{label}。"
    return Switch(from_form=active_form, to_form=form, message=message)


def invalid_count(previous: Any, slot: str) -> int:
    """How many invalid answers in a row ``slot`` has had, counting the one just given."""
    if isinstance(previous, Mapping) and previous.get("slot") == slot:
        return int(previous.get("count") or 0) + 1
    return 1


def ways_out(count: int, hotline: str) -> str:
    """What to add to the re-ask once a question has failed ``count`` ≥ :data:`MAX_INVALID` times."""
    return (
        f"这一项已经连续{count}次没能识别。您可以：换个说法再试一次；说“算了”结束办理（已填的不保存）；"
        f"说“转人工”请工作人员帮忙；或拨打{hotline}。"
    )


# Answers that accept almost any short text: a service request there is not taken as the answer.
FREE_TEXT_SLOTS = frozenset({"person_name", "work_wanted", "destination", "course"})
# A policy question inside a form is answered only when the NLU is this sure of it and the responder agrees
# (for a clause topic, the search must find the clause too: a name or a place is never taken for a question).
MID_FORM_QUESTION_CONFIDENCE = 0.85


def is_policy_question(responder: Any, parse: Mapping[str, Any]) -> bool:
    """Whether a message inside a form is a policy question to answer before going on (blocking: BM25)."""
    intent = parse.get("intent") or {}
    if float(intent.get("confidence") or 0) < MID_FORM_QUESTION_CONFIDENCE:
        return False
    return responder.answers_mid_form(intent.get("name"), parse.get("text") or "")


# Intents that place a message nowhere in the document.
UNPLACED_INTENTS = frozenset({"out_of_scope", "nlu_fallback", "chitchat"})


def unsure_question(responder: Any, parse: Mapping[str, Any]) -> str | None:
    """How to treat a message that is no valid answer but reads as a question, when the NLU is not sure of it.

    "企业能享受哪些政策" asked where a credit code was expected is a question whatever the classifier's confidence:
    it is answered (``"question"``) when the responder trusts the intent as it would outside a form and agrees it
    is a policy question, and gets what is covered (``"out_of_scope"``) when the NLU placed it nowhere and the
    search finds no clause ("明天下雨吗"). Anything else stays an invalid answer (``None``).
    """
    text = parse.get("text") or ""
    if not is_question(text):
        return None
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0)
    if name not in UNPLACED_INTENTS and confidence >= responder.intent_threshold:
        return "question" if responder.answers_mid_form(name, text) else None
    if name in UNPLACED_INTENTS and responder.matching_clause(text) is None:
        return "out_of_scope"
    return None


def route(
    responder: Any, parse: Mapping[str, Any], active_form: str | None, slot: str, value_ok: bool
) -> tuple[str, Switch | None]:
    """How a form treats a message sent when ``slot`` was asked.

    Returns ``("question", None)`` (answer it, then ask again), ``("value", None)``, ``("switch", Switch)``,
    ``("out_of_scope", None)`` (say what is covered, then ask again) or ``("invalid", None)``. ``value_ok`` says
    whether the message is a valid answer to ``slot``; a 算了 or 转人工 never reaches a form (rules take it).
    """
    if is_policy_question(responder, parse):
        return "question", None
    switch = requested_service(parse, active_form)
    if value_ok and (switch is None or slot not in FREE_TEXT_SLOTS):
        return "value", None
    if switch is not None:
        return "switch", switch
    intent = parse.get("intent") or {}
    if intent.get("name") == "out_of_scope" and float(intent.get("confidence") or 0) >= MID_FORM_QUESTION_CONFIDENCE:
        return "out_of_scope", None
    if not value_ok:
        kind = unsure_question(responder, parse)
        if kind is not None:
            return kind, None
    return "invalid", None

"""Lazily built services shared by the actions (built on first use, never at import)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from rasa_sdk import Tracker

from bot import settings
from bot.cases import make_store
from bot.cases.identity_guard import GuardedCaseStore
from bot.cases.one_time_codes import SmsVerification
from bot.cases.records import AccessContext
from bot.cases.store import CaseStore
from bot.facts import extract_facts
from bot.privacy import install_log_masking
from bot.quantities import people_count
from policy_kb.answer import PolicyResponder
from policy_kb.loader import default_kb
from policy_kb.model import KnowledgeBase


def knowledge_base() -> KnowledgeBase:
    """The validated policy knowledge base."""
    return default_kb()


@lru_cache(maxsize=1)
def policy_responder() -> PolicyResponder:
    """The router from parsed messages to policy answers."""
    return PolicyResponder(knowledge_base(), count_people=people_count, extract_facts=extract_facts)


def today() -> dt.date:
    """Today's date, honouring ``ASSISTANT_TODAY``."""
    return settings.today()


@lru_cache(maxsize=1)
def case_store() -> CaseStore:
    """The case system selected by the settings (SQL database or remote HTTP API).

    Personal data flows from here on, so the action server's log handlers start masking ID and phone numbers.
    """
    install_log_masking()
    return make_store(settings.load(), hotline=knowledge_base().hotline.render())


@lru_cache(maxsize=1)
def sms_verification() -> SmsVerification | None:
    """Identity proof by a one-time SMS code, when ``SMS_API_URL`` is set; else ``None`` (last-four mode)."""
    store = case_store()
    if not isinstance(store, GuardedCaseStore):  # pragma: no cover - make_store always guards
        return None
    return SmsVerification.from_settings(settings.load(), store)


def channel_of(tracker: Tracker) -> str:
    """The channel the latest message came through, as the audit log records it.

    A channel that sets ``metadata.channel`` (the WeChat channel does) wins over Rasa's input channel name.
    """
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata.get("channel") or tracker.get_latest_input_channel() or "unknown"


def access_for(tracker: Tracker, purpose: str) -> AccessContext:
    """Audit context for reads made on behalf of the tracker's conversation, for ``purpose`` (Chinese)."""
    return AccessContext(conversation_id=tracker.sender_id, channel=channel_of(tracker), purpose=purpose)

"""The one place that reads the environment.

Everything else receives a :class:`Settings` (or calls :func:`load`) instead of touching ``os.environ``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASE_DB_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'cases.db'}"
DEFAULT_TRACKER_DB_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_EVENT_BROKER_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'events.db'}"
DEFAULT_ANALYTICS_QUEUE = "rasa_analytics"


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the assistant, taken from the environment."""

    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055
    rasa_api_token: str = ""
    actions_token: str = ""
    case_data_key: str = ""
    case_data_keys_previous: tuple[str, ...] = ()
    case_db_url: str = DEFAULT_CASE_DB_URL
    case_api_url: str = ""
    case_api_token: str = ""
    redis_url: str = ""
    tracker_db_url: str = DEFAULT_TRACKER_DB_URL
    tracker_pool_size: int = 5
    tracker_max_overflow: int = 5
    tracker_cache_size: int = 2000
    tracker_cache_seconds: int = 900
    rasa_session_turns: int = 10
    sanic_workers: int = 1
    wechat_token: str = ""
    wechat_appid: str = ""
    wechat_appsecret: str = ""
    wechat_encoding_aes_key: str = ""
    wechat_encoding_aes_key_previous: str = ""
    wechat_api_base: str = DEFAULT_WECHAT_API_BASE
    today_override: dt.date | None = None
    console_host: str = "127.0.0.1"
    console_port: int = 5006
    console_demo_password: str = ""
    console_idle_minutes: int = 30
    console_cookie_secure: bool = False
    event_broker_url: str = DEFAULT_EVENT_BROKER_URL
    analytics_queue: str = DEFAULT_ANALYTICS_QUEUE
    analytics_poll_seconds: float = 5.0
    analytics_case_refresh_seconds: float = 60.0
    lock_lifetime_seconds: int = 20
    cluster_rasa: int = 2
    cluster_actions: int = 2
    cluster_base_port: int = 5100
    sms_api_url: str = ""
    sms_api_token: str = ""
    sms_code_minutes: int = 5
    followup_days: int = 30
    rest_channel: str = "open"
    rest_channel_token: str = ""
    wechat_accept_plaintext: bool = False
    retention_case_days: int = 1095
    retention_audit_days: int = 365
    retention_conversation_days: int = 90
    identity_max_failures: int = 3
    identity_sender_max_failures: int = 5
    identity_lock_minutes: int = 30
    identity_proof_minutes: int = 30

    def today(self) -> dt.date:
        """Today's date, or ``ASSISTANT_TODAY`` when it is set."""
        return self.today_override or dt.date.today()


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int | None, rule: str) -> int:
    """The whole number ``name`` in ``[low, high]`` (``default`` when unset); else ``rule`` in the error."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        raise SettingsError(f"{name}={raw!r} {rule}")
    return int(raw)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    return _integer(env, name, default, 1, 65535, "不是有效的端口号（1–65535）")


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    return _integer(env, name, default, 1, None, "应为正整数")


def _count(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    return _integer(env, name, default, minimum, None, f"应为不小于 {minimum} 的整数")


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} 应为正数")
    return value


def parse_date(raw: str, name: str = "ASSISTANT_TODAY") -> dt.date:
    """Parse ``YYYY-MM-DD``; raise :class:`SettingsError` with a Chinese message otherwise."""
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw!r} 不是有效日期，应为 YYYY-MM-DD，例如 2021-09-01") from None


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    today_raw = env.get("ASSISTANT_TODAY", "").strip()
    return Settings(
        rasa_host=env.get("RASA_HOST", "127.0.0.1") or "127.0.0.1",
        rasa_port=_port(env, "RASA_PORT", 5005),
        actions_host=env.get("ACTIONS_HOST", "127.0.0.1") or "127.0.0.1",
        actions_port=_port(env, "ACTIONS_PORT", 5055),
        rasa_api_token=env.get("RASA_API_TOKEN", ""),
        actions_token=env.get("ACTIONS_TOKEN", ""),
        case_data_key=env.get("CASE_DATA_KEY", "").strip(),
        case_data_keys_previous=tuple(
            part.strip() for part in env.get("CASE_DATA_KEYS_PREVIOUS", "").split(",") if part.strip()
        ),
        case_db_url=env.get("CASE_DB_URL", "") or DEFAULT_CASE_DB_URL,
        case_api_url=env.get("CASE_API_URL", ""),
        case_api_token=env.get("CASE_API_TOKEN", ""),
        redis_url=env.get("REDIS_URL", ""),
        tracker_db_url=env.get("TRACKER_DB_URL", "") or DEFAULT_TRACKER_DB_URL,
        tracker_pool_size=_count(env, "TRACKER_POOL_SIZE", 5, minimum=1),
        tracker_max_overflow=_count(env, "TRACKER_MAX_OVERFLOW", 5),
        tracker_cache_size=_count(env, "TRACKER_CACHE_SIZE", 2000),
        tracker_cache_seconds=_count(env, "TRACKER_CACHE_SECONDS", 900),
        rasa_session_turns=_count(env, "RASA_SESSION_TURNS", 10),
        sanic_workers=_count(env, "SANIC_WORKERS", 1, minimum=1),
        wechat_token=env.get("WECHAT_TOKEN", ""),
        wechat_appid=env.get("WECHAT_APPID", ""),
        wechat_appsecret=env.get("WECHAT_APPSECRET", ""),
        wechat_encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", ""),
        wechat_encoding_aes_key_previous=env.get("WECHAT_ENCODING_AES_KEY_PREVIOUS", ""),
        wechat_api_base=(env.get("WECHAT_API_BASE", "") or DEFAULT_WECHAT_API_BASE).rstrip("/"),
        today_override=parse_date(today_raw) if today_raw else None,
        console_host=env.get("CONSOLE_HOST", "127.0.0.1") or "127.0.0.1",
        console_port=_port(env, "CONSOLE_PORT", 5006),
        console_demo_password=env.get("CONSOLE_DEMO_PASSWORD", ""),
        console_idle_minutes=_positive(env, "CONSOLE_IDLE_MINUTES", 30),
        console_cookie_secure=env.get("CONSOLE_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes"),
        event_broker_url=env.get("EVENT_BROKER_URL", "") or DEFAULT_EVENT_BROKER_URL,
        analytics_queue=env.get("ANALYTICS_QUEUE", "") or DEFAULT_ANALYTICS_QUEUE,
        analytics_poll_seconds=_positive_number(env, "ANALYTICS_POLL_SECONDS", 5.0),
        analytics_case_refresh_seconds=_positive_number(env, "ANALYTICS_CASE_REFRESH_SECONDS", 60.0),
        lock_lifetime_seconds=_positive(env, "LOCK_LIFETIME_SECONDS", 20),
        cluster_rasa=_positive(env, "CLUSTER_RASA", 2),
        cluster_actions=_positive(env, "CLUSTER_ACTIONS", 2),
        cluster_base_port=_port(env, "CLUSTER_BASE_PORT", 5100),
        sms_api_url=env.get("SMS_API_URL", "").strip(),
        sms_api_token=env.get("SMS_API_TOKEN", ""),
        sms_code_minutes=_positive(env, "SMS_CODE_MINUTES", 5),
        followup_days=_positive(env, "FOLLOWUP_DAYS", 30),
        rest_channel=(env.get("REST_CHANNEL", "") or "open").strip().lower(),
        rest_channel_token=env.get("REST_CHANNEL_TOKEN", ""),
        wechat_accept_plaintext=env.get("WECHAT_ACCEPT_PLAINTEXT", "").strip().lower() in ("1", "true", "yes"),
        retention_case_days=_positive(env, "RETENTION_CASE_DAYS", 1095),
        retention_audit_days=_positive(env, "RETENTION_AUDIT_DAYS", 365),
        retention_conversation_days=_positive(env, "RETENTION_CONVERSATION_DAYS", 90),
        identity_max_failures=_positive(env, "IDENTITY_MAX_FAILURES", 3),
        identity_sender_max_failures=_positive(env, "IDENTITY_SENDER_MAX_FAILURES", 5),
        identity_lock_minutes=_positive(env, "IDENTITY_LOCK_MINUTES", 30),
        identity_proof_minutes=_positive(env, "IDENTITY_PROOF_MINUTES", 30),
    )


def today() -> dt.date:
    """Today's date for everything date-dependent, honouring ``ASSISTANT_TODAY``."""
    return load().today()

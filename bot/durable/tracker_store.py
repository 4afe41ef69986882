"""Rasa's SQL tracker store with personal data encrypted in its rows, its own indexes and pool, and health.

:class:`ProtectedSQLTrackerStore` is Rasa 3.6's ``SQLTrackerStore`` (one ``events`` row per event, JSON in
``data``) on ``TRACKER_DB_URL``: a SQLite file under ``var/`` by default, PostgreSQL in production.

* **Personal data**: before a row is written, the user's message text (and the entity values parsed from
  it), the assistant's replies (a summary repeats the name given), the values of the personal slots
  (:data:`bot.privacy.PERSONAL_SLOTS`), and any other string in the event that
  contains an ID or mobile number are replaced by AES-256-GCM ciphertexts (:mod:`bot.crypto`, key
  ``CASE_DATA_KEY``), bound to the conversation's sender id. Rows are decrypted as they are loaded, so a
  conversation resumes after a restart exactly as it was. Intent, action and slot names stay in clear for
  analytics.
* **Indexes** Rasa does not create: ``(sender_id, timestamp)`` for the per-turn session query and
  ``(sender_id, type_name, timestamp)`` for its session-start sub-query; ``timestamp`` for retention.
* **Pool**: ``TRACKER_POOL_SIZE`` + ``TRACKER_MAX_OVERFLOW`` connections per process (Rasa's default is
  50 + 100), with ``pool_pre_ping`` so a restarted PostgreSQL costs no failed turn.
* **Health**: Rasa wraps every tracker store in ``FailSafeTrackerStore``, which silently keeps a failed
  save in process memory and starts a fresh conversation when a retrieve fails. Every failure passes
  through this class first: it is logged at CRITICAL and counted in :data:`HEALTH`, which the Rasa-side
  health endpoint (:mod:`bot.durable.health`) reports.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event as sa_event
from sqlalchemy.orm import attributes, sessionmaker

from bot import crypto
from bot import settings as settings_mod
from bot.cases.sql_base import sqlite_pool
from bot.durable.session_cache import SessionCache, Version
from bot.privacy import PERSONAL_SLOTS

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Marks a protected string inside an event's JSON; the JSON form keeps a slot value's type (list, number…).
TEXT_MARK = "\u0000pii:"
JSON_MARK = "\u0000pii-json:"
_PII_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])|(?<!\d)1[3-9]\d{9}(?!\d)")

EventRow = SQLTrackerStore.SQLEvent
# A conversation's row count and last row id: what tells a process whether its cached copy is current. Plain SQL
# on the session's connection, compiled once: built as an ORM query it cost about 2 ms of Python (expression
# building, cache keys, ORM result set-up) for a lookup SQLite answers from an index in microseconds, three
# times a turn.
VERSION_SQL = sa.text(f"SELECT count(id), max(id) FROM {EventRow.__tablename__} WHERE sender_id = :sender_id")


def _each_string(value: Any, change: Callable[[str], Any]) -> Any:
    """``value`` (JSON data) with ``change`` applied to every string in it, at any depth."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_each_string(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _each_string(item, change) for key, item in value.items()}
    return value


class TrackerDecryptionError(RuntimeError):
    """A stored event does not decrypt (wrong or missing key, or a row moved to another conversation).

    Not a ``ValueError`` on purpose: Rasa's ``SQLTrackerStore.session_scope`` exits the whole server on one.
    """


def _context(sender_id: str) -> str:
    return f"tracker:{sender_id}"


class EventCodec:
    """Turns an event's JSON into the stored form and back (see the module docstring)."""

    def __init__(self, cipher: crypto.DataCipher) -> None:
        self._cipher = cipher

    def _seal(self, value: str, sender_id: str, mark: str = TEXT_MARK) -> str:
        return mark + self._cipher.encrypt(value, context=_context(sender_id))

    def _seal_pii(self, value: Any, sender_id: str) -> Any:
        return _each_string(value, lambda text: self._seal(text, sender_id) if _PII_RE.search(text) else text)

    def protect(self, data: str, sender_id: str) -> str:
        """The stored form of one event's JSON."""
        event = json.loads(data)
        kind = event.get("event")
        if kind == "user":
            if isinstance(event.get("text"), str):
                event["text"] = self._seal(event["text"], sender_id)
            parse = event.get("parse_data") or {}
            for key, value in parse.items():  # the text, and what the NLU made of it (e.g. normalized_text)
                if isinstance(value, str) and key != "message_id":
                    parse[key] = self._seal(value, sender_id)
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                if isinstance(entity, dict) and entity.get("value") is not None:
                    entity["value"] = self._seal(json.dumps(entity["value"]), sender_id, JSON_MARK)
        elif kind == "bot" and isinstance(event.get("text"), str):
            # A summary before a confirmation repeats the name the user gave, which has no pattern to find.
            event["text"] = self._seal(event["text"], sender_id)
        elif kind == "slot" and event.get("name") in PERSONAL_SLOTS and event.get("value") is not None:
            event["value"] = self._seal(json.dumps(event["value"], ensure_ascii=False), sender_id, JSON_MARK)
        return json.dumps(self._seal_pii(event, sender_id), ensure_ascii=False)

    def _open(self, value: Any, sender_id: str) -> Any:
        def opened(text: str) -> Any:
            if text.startswith(JSON_MARK):
                return json.loads(self._cipher.decrypt(text[len(JSON_MARK) :], context=_context(sender_id)))
            if text.startswith(TEXT_MARK):
                return self._cipher.decrypt(text[len(TEXT_MARK) :], context=_context(sender_id))
            return text

        return _each_string(value, opened)

    def reveal(self, data: str, sender_id: str) -> str:
        """The event's JSON as Rasa wrote it, from its stored form."""
        if "\\u0000pii" not in data:  # json.dumps escapes the NUL of the marks
            return data
        return json.dumps(self._open(json.loads(data), sender_id), ensure_ascii=False)


# Engines of protected stores → their codec. The ORM hooks below are process-wide (they sit on Rasa's
# ``SQLEvent`` class); the engine a row travels through says whether, and with which key, to encrypt.
_CODECS: weakref.WeakKeyDictionary[sa.engine.Engine, EventCodec] = weakref.WeakKeyDictionary()
_HOOKS_INSTALLED = threading.Lock()
_hooks = False


def _protect_row(mapper: Any, connection: sa.engine.Connection, target: Any) -> None:
    codec = _CODECS.get(connection.engine)
    if codec is not None and target.data is not None:
        target.data = codec.protect(target.data, target.sender_id)


def _reveal_row(target: Any, context: Any) -> None:
    bind = context.session.get_bind() if context.session is not None else None
    codec = _CODECS.get(bind) if bind is not None else None
    if codec is not None and target.data is not None:
        try:
            revealed = codec.reveal(target.data, target.sender_id)
        except crypto.CryptoError as exc:
            raise TrackerDecryptionError(f"会话 {target.sender_id!r} 的事件无法解密：{exc}") from None
        attributes.set_committed_value(target, "data", revealed)


def _install_hooks() -> None:
    global _hooks
    with _HOOKS_INSTALLED:
        if not _hooks:
            sa_event.listen(EventRow, "before_insert", _protect_row)
            sa_event.listen(EventRow, "load", _reveal_row)
            _hooks = True


@dataclass
class TrackerStoreHealth:
    """Failures of the tracker store in this process (each one is a fall-back to memory by Rasa)."""

    failures: int = 0
    last_failure_at: float | None = None
    last_failure: str = ""
    last_success_at: float | None = None
    store_class: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_failure(self, operation: str, error: BaseException) -> None:
        """Count a failed ``operation`` and log it loudly."""
        with self._lock:
            self.failures += 1
            self.last_failure_at = time.time()
            self.last_failure = f"{operation}: {type(error).__name__}"
        logger.critical(
            "会话存储（tracker store）%s 失败：%s。Rasa 将改用进程内存保存这轮对话，重启后会丢失；"
            "读取失败时用户会从新会话开始。请立即检查 TRACKER_DB_URL 指向的数据库。",
            operation,
            type(error).__name__,
        )

    def record_success(self) -> None:
        """Note a successful operation."""
        self.last_success_at = time.time()

    @property
    def failing(self) -> bool:
        """Whether the most recent operation failed."""
        if self.last_failure_at is None:
            return False
        return self.last_success_at is None or self.last_failure_at >= self.last_success_at

    def as_dict(self) -> dict[str, Any]:
        """Figures for the health endpoint."""
        return {
            "store": self.store_class,
            "state": "failing" if self.failing else ("recovered" if self.failures else "ok"),
            "fallbacks": self.failures,
            "last_failure": self.last_failure,
            "last_failure_at": self.last_failure_at,
        }


HEALTH = TrackerStoreHealth()


def build_engine(url: str, pool_size: int, max_overflow: int) -> sa.engine.Engine:
    """An engine for the tracker database: sized pool and pre-ping on servers, WAL and a busy wait on SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **sqlite_pool(url))

        @sa_event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, pool_recycle=1800, pool_timeout=10
    )


INDEXES = (
    sa.Index("ix_events_sender_id_timestamp", EventRow.sender_id, EventRow.timestamp),
    sa.Index("ix_events_sender_id_type_name_timestamp", EventRow.sender_id, EventRow.type_name, EventRow.timestamp),
    sa.Index("ix_events_timestamp", EventRow.timestamp),
)


def create_indexes(engine: sa.engine.Engine) -> None:
    """Create the indexes Rasa does not (idempotent; several processes may race, which is harmless)."""
    for index in INDEXES:
        try:
            index.create(engine, checkfirst=True)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:  # another process created it first
            logger.debug("index %s: %s", index.name, exc)


async def _watched(what: str, call: Awaitable[T]) -> T:
    """Await a store call, recording its success or failure (``what`` names it) in :data:`HEALTH`."""
    try:
        result = await call
    except Exception as exc:
        HEALTH.record_failure(what, exc)
        raise
    HEALTH.record_success()
    return result


def _event_row(sender_id: str, event: Event, codec: EventCodec) -> tuple[dict[str, Any], str]:
    """The row Rasa's ``SQLTrackerStore.save`` writes for ``event`` (personal data sealed), and its JSON in clear."""
    data = event.as_dict()
    text = json.dumps(data)
    row = {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": codec.protect(text, sender_id),
    }
    return row, text


class ProtectedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with encrypted personal data, sized pool, extra indexes and health.

    Rasa builds it from endpoints.yml (``type: bot.durable.tracker_store.ProtectedSQLTrackerStore``,
    ``url: ${TRACKER_DB_URL}``) and passes the URL as ``host``.

    Args:
        domain: The assistant's domain.
        host: The database URL (``TRACKER_DB_URL``); the settings' value when empty.
        event_broker: Where new events are also published.
        settings: Settings to use instead of the environment's (tests).
        kwargs: Passed on to Rasa's ``SQLTrackerStore``.
    """

    def __init__(
        self,
        domain: Any = None,
        host: str | None = None,
        event_broker: Any = None,
        settings: settings_mod.Settings | None = None,
        **kwargs: Any,
    ) -> None:
        cfg = settings or settings_mod.load()
        url = host or cfg.tracker_db_url
        cipher = crypto.from_settings(cfg)
        if sa.engine.make_url(url).get_backend_name() == "sqlite":
            build_engine(url, 1, 0).dispose()  # creates the directory of the SQLite file
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # Rasa built its own engine (pool 50 + 100, no pre-ping) to create the table: use ours from now on.
        rasa_engine: sa.engine.Engine = getattr(self, "engine")  # noqa: B009  (set by Rasa, untyped there)
        rasa_engine.dispose()
        self.engine = build_engine(url, cfg.tracker_pool_size, cfg.tracker_max_overflow)
        self.sessionmaker = sessionmaker(bind=self.engine)
        create_indexes(self.engine)
        _install_hooks()
        _CODECS[self.engine] = EventCodec(cipher)
        self._sessions = SessionCache(cfg.tracker_cache_size, cfg.tracker_cache_seconds)
        HEALTH.store_class = type(self).__name__

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events (personal data encrypted) and publish them to the event broker."""
        await _watched("保存", self._save_new_events(tracker))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the latest session of ``sender_id``."""
        return await _watched("读取", self._retrieve_latest(sender_id))

    def _version(self, session: Any, sender_id: str) -> Version:
        count, last_id = session.connection().execute(VERSION_SQL, {"sender_id": sender_id}).one()
        return int(count), int(last_id or 0)

    async def _retrieve_latest(self, sender_id: str) -> DialogueStateTracker | None:
        # Rasa's SQLTrackerStore._retrieve(sender_id, fetch_events_from_all_sessions=False), read from the
        # session cache when the conversation's rows are unchanged since it was filled.
        with self.session_scope() as session:
            version = self._version(session, sender_id)  # before the rows: a later write only causes a miss
            cached = self._sessions.get(sender_id, version)
            if cached is not None:
                events = cached.events
            else:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                events = [row.data for row in rows]  # decrypted by the load hook
                if events:
                    self._sessions.put(sender_id, events, version)
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, json.loads("[" + ",".join(events) + "]"), self.domain.slots)

    async def _save_new_events(self, tracker: DialogueStateTracker) -> None:
        # Rasa's SQLTrackerStore.save, without its second load of the conversation: Rasa's stream_events
        # retrieves the stored session only to count its events, which the cache (or one COUNT) already knows.
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            version = self._version(session, sender_id)
            cached = self._sessions.get(sender_id, version)
            stored_events = cached.events if cached is not None else ([] if version == (0, 0) else None)
            stored = (
                len(stored_events)
                if stored_events is not None
                else self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            )
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, sender_id)
            codec = _CODECS[self.engine]
            written = [_event_row(sender_id, event, codec) for event in new_events]
            if written:  # one INSERT for the turn (the ORM's unit of work cost a tenth of the process's time)
                session.execute(EventRow.__table__.insert(), [row for row, _ in written])
            after = self._version(session, sender_id) if written else version
            session.commit()
        texts = [text for _, text in written]
        unchanged_elsewhere = after[0] == version[0] + len(written)  # nobody else wrote meanwhile
        continues = not any(isinstance(event, SessionStarted) for event in new_events)
        if stored_events is not None and unchanged_elsewhere and continues:
            self._sessions.put(sender_id, stored_events + texts, after)
        else:  # a new session starts (its first retrieve reads it from the database), or another writer
            self._sessions.drop(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """The tracker of every session of ``conversation_id``."""
        return await _watched("读取", super().retrieve_full_tracker(conversation_id))

    async def keys(self) -> Iterable[str]:
        """Every stored sender id."""
        return await _watched("列出会话", super().keys())

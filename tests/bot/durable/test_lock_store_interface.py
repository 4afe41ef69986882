"""What the atomic lock store relies on in Rasa 3.6.21: this fails when an upgrade changes any of it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import rasa
import rasa.core.lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from bot.durable.lock_store import AtomicRedisLockStore

# Every LockStore method Rasa 3.6.21 calls, with its parameters; all are overridden by AtomicRedisLockStore.
EXPECTED = {
    "lock": ["self", "conversation_id", "lock_lifetime", "wait_time_in_seconds"],
    "issue_ticket": ["self", "conversation_id", "lock_lifetime"],
    "get_lock": ["self", "conversation_id"],
    "save_lock": ["self", "lock"],
    "delete_lock": ["self", "conversation_id"],
    "update_lock": ["self", "conversation_id"],
    "is_someone_waiting": ["self", "conversation_id"],
    "finish_serving": ["self", "conversation_id", "ticket_number"],
    "cleanup": ["self", "conversation_id", "ticket_number"],
}


def test_pinned_to_rasa_3_6_21() -> None:
    assert rasa.__version__ == "3.6.21", "re-check bot/durable/lock_store.py against the new LockStore first"


def test_the_base_class_methods_keep_their_signatures_and_all_are_overridden() -> None:
    public = {
        name
        for name, member in vars(LockStore).items()
        if callable(member) and not name.startswith("_") and name not in {"create", "create_lock"}
    }
    assert public == set(EXPECTED) | {"get_or_create_lock"}
    for name, parameters in EXPECTED.items():
        assert list(inspect.signature(getattr(LockStore, name)).parameters) == parameters, name
        assert name in vars(AtomicRedisLockStore), f"{name} is inherited: it would do a non-atomic update"


def test_the_only_calls_rasa_makes_on_a_lock_store_are_lock() -> None:
    """Rasa's server, processor and agent reach the lock store only through ``lock_store.lock(...)``."""
    root = Path(rasa.__file__).parent
    used = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r"lock_store\.(\w+)\(", path.read_text(encoding="utf-8")))
    assert used <= {"lock", "type"}, used


def test_ticket_and_lock_types_keep_their_shape() -> None:
    lock = TicketLock("c", None)
    assert lock.now_serving == 0 and lock.last_issued == -1
    assert list(inspect.signature(Ticket).parameters) == ["number", "expires"]
    assert list(inspect.signature(TicketLock).parameters) == ["conversation_id", "tickets"]


def test_custom_lock_store_is_built_with_endpoint_config_and_allows_several_workers(monkeypatch) -> None:
    loader = inspect.getsource(rasa_lock_store._load_from_module_name_in_endpoint_config)
    assert "lock_store_class(endpoint_config=endpoint_config)" in loader
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(EndpointConfig(type="bot.durable.lock_store.AtomicRedisLockStore")) == 2
    assert number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1

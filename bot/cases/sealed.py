"""Personal data sealed in the case database: ID numbers, names and phones are stored encrypted.

A :class:`Sealed` column holds ``v1.<key id>.<AES-256-GCM>`` (see :mod:`bot.crypto`), bound to its column (the
*context*, e.g. ``"persons.id_number"``): Python code reads and writes plain values, the database file holds none.
Equality lookups go through a keyed hash column instead (:func:`id_number_hashes`), because a ciphertext is
different every time.

The cipher belongs to the engine: :func:`attach` registers it for an engine's dialect, and a sealed column used
through an engine without one raises :class:`SealedDataError` rather than writing or returning clear text.
:func:`rotate` re-encrypts and re-hashes every sealed value with the current key after ``CASE_DATA_KEY`` changed.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.types import TypeDecorator

from bot.crypto import DataCipher

SEALED_LENGTH = 255  # a 40-character name is about 235 characters sealed
ID_NUMBER_CONTEXT = "persons.id_number"

_CIPHERS: weakref.WeakKeyDictionary[Dialect, DataCipher] = weakref.WeakKeyDictionary()


class SealedDataError(RuntimeError):
    """A sealed column was used through an engine that has no data key."""


def attach(engine: Engine, cipher: DataCipher) -> Engine:
    """Let ``engine`` read and write sealed columns with ``cipher``; returns the engine."""
    _CIPHERS[engine.dialect] = cipher
    return engine


def default_cipher() -> DataCipher:
    """The cipher of ``CASE_DATA_KEY`` in the environment's settings (commands and tests that were given none)."""
    from bot import crypto, settings

    return crypto.from_settings(settings.load())


def cipher_for(bind: Engine | Connection | Dialect) -> DataCipher:
    """The cipher attached to the engine behind ``bind``.

    Raises:
        SealedDataError: none is attached.
    """
    dialect = bind if isinstance(bind, Dialect) else bind.dialect
    cipher = _CIPHERS.get(dialect)
    if cipher is None:
        raise SealedDataError("案件库中的个人信息已加密：这个数据库连接没有配置数据密钥（CASE_DATA_KEY）")
    return cipher


class Sealed(TypeDecorator):
    """A string column stored encrypted and bound to ``context``."""

    impl = String(SEALED_LENGTH)
    cache_ok = True

    def __init__(self, context: str) -> None:
        """Args: context: ``<table>.<column>``, bound into every ciphertext of the column."""
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        if value is None:
            return None
        return cipher_for(dialect).encrypt(str(value), context=self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        if value is None:
            return None
        return cipher_for(dialect).decrypt(value, context=self.context)


def id_number_hash(cipher: DataCipher, id_number: str) -> str:
    """The keyed hash a person's ID number is stored and found by (current key)."""
    return cipher.blind_index(id_number, context=ID_NUMBER_CONTEXT)


def id_number_hashes(bind: Engine | Connection, id_number: str) -> list[str]:
    """The ID number's keyed hash under every configured key (lookups keep working during a rotation)."""
    return cipher_for(bind).blind_indexes(id_number, context=ID_NUMBER_CONTEXT)


def sealed_columns(metadata: Any) -> list[tuple[Any, Any]]:
    """``(table, column)`` of every sealed column in ``metadata``."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Sealed)
    ]


def rotate(conn: Connection, metadata: Any) -> int:
    """Re-encrypt every sealed value not made with the current key, and re-hash every ID number.

    Runs in the caller's transaction; values already under the current key are left alone, so running it
    again changes nothing. Returns the number of values re-encrypted.
    """
    cipher = cipher_for(conn)
    changed = 0
    for table, column in sealed_columns(metadata):
        raw = type_coerce(column, String(SEALED_LENGTH))
        rows = conn.execute(select(table.c.id, raw).where(column.is_not(None))).all()
        for row_id, token in rows:
            if not cipher.needs_reencryption(token):
                continue
            fresh = cipher.reencrypt(token, context=column.type.context)
            conn.execute(update(table).where(table.c.id == row_id).values({column.name: type_coerce(fresh, raw.type)}))
            changed += 1
    persons = metadata.tables["persons"]
    for row_id, id_number in conn.execute(select(persons.c.id, persons.c.id_number)).all():
        digest = id_number_hash(cipher, id_number)
        conn.execute(
            update(persons)
            .where(persons.c.id == row_id, persons.c.id_number_hash != digest)
            .values(id_number_hash=digest)
        )
    return changed

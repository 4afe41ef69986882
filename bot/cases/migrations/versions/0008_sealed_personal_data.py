"""ID numbers, names and phones encrypted at rest; persons found by a keyed hash of the ID number.

Widens the columns for ciphertexts (``v1.<key id>.<AES-256-GCM>``, see :mod:`bot.cases.sealed`), encrypts the
values already stored with ``CASE_DATA_KEY`` (passed by :func:`bot.cases.admin.migrate` as the ``cipher``
attribute; a database with rows to convert and no key is refused), replaces the unique ID number by a unique
``id_number_hash``, and records when the retention purge anonymised a person (it used to compare names).

The contexts below are those of :class:`bot.cases.sealed.Sealed` in :mod:`bot.cases.models` when this revision
was written.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from bot.cases.sealed import SealedDataError

SEALED = {
    "persons": ("id_number", "name", "phone"),
    "employers": ("contact_phone",),
    "hr_agencies": ("contact_phone",),
}
ID_NUMBER_CONTEXT = "persons.id_number"
ANONYMOUS_NAME = "已匿名"  # bot.cases.retention.ANONYMOUS_NAME


def _cipher(bind: Any) -> Any:
    cipher = context.config.attributes.get("cipher")
    if cipher is None:
        rows = sum(bind.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in SEALED)
        if rows:
            raise SealedDataError("升级案件库需要数据密钥 CASE_DATA_KEY：库中已有个人信息需要加密")
    return cipher


def _seal(cipher: Any, column: str, value: str | None) -> str | None:
    if value is None or cipher.is_token(value):
        return value
    return cipher.encrypt(value, context=column)


def upgrade() -> None:
    bind = op.get_bind()
    cipher = _cipher(bind)
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_persons_id_number", type_="unique")
        batch.alter_column("id_number", type_=sa.String(length=255), existing_nullable=False)
        batch.alter_column("name", type_=sa.String(length=255), existing_nullable=False)
        batch.alter_column("phone", type_=sa.String(length=255), existing_nullable=False)
    for table in ("employers", "hr_agencies"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("contact_phone", type_=sa.String(length=255), existing_nullable=True)

    for table, columns in SEALED.items():
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
        for row_id, *values in rows:
            plain = dict(zip(columns, values, strict=True))
            sealed = {
                column: value
                if value is None or cipher.is_token(value)
                else cipher.encrypt(value, context=f"{table}.{column}")
                for column, value in plain.items()
            }
            assignments = ", ".join(f"{k} = :{k}" for k in sealed)
            if table == "persons":
                id_number = plain["id_number"]
                if cipher.is_token(id_number):
                    id_number = cipher.decrypt(id_number, context=ID_NUMBER_CONTEXT)
                sealed["id_number_hash"] = cipher.blind_index(id_number, context=ID_NUMBER_CONTEXT)
                assignments += ", id_number_hash = :id_number_hash"
                if plain["name"] == ANONYMOUS_NAME:
                    assignments += ", anonymised_at = CURRENT_TIMESTAMP"
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :row_id"), {**sealed, "row_id": row_id})

    with op.batch_alter_table("persons") as batch:
        batch.alter_column("id_number_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_persons_id_number_hash", ["id_number_hash"])


def downgrade() -> None:
    # Back to clear text: only with the key, and only for a reason (e.g. restoring an older release).
    bind = op.get_bind()
    cipher = _cipher(bind)
    for table, columns in SEALED.items():
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
        for row_id, *values in rows:
            plain = {
                column: cipher.decrypt(value, context=f"{table}.{column}") if value else value
                for column, value in zip(columns, values, strict=True)
            }
            assignments = ", ".join(f"{k} = :{k}" for k in plain)
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :row_id"), dict(plain, row_id=row_id))
    with op.batch_alter_table("persons") as batch:
        batch.drop_constraint("uq_persons_id_number_hash", type_="unique")
        batch.drop_column("id_number_hash")
        batch.drop_column("anonymised_at")
        batch.alter_column("id_number", type_=sa.String(length=18), existing_nullable=False)
        batch.alter_column("name", type_=sa.String(length=40), existing_nullable=False)
        batch.alter_column("phone", type_=sa.String(length=11), existing_nullable=False)
        batch.create_unique_constraint("uq_persons_id_number", ["id_number"])
    for table in ("employers", "hr_agencies"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("contact_phone", type_=sa.String(length=11), existing_nullable=True)


# The place of this revision in the chain (read by Alembic).
revision = "0008"
down_revision = "0007"

"""The signed revocation list for offline clients (docs/revocation-list.md): each revocation's
target as data and the list versions at which it entered and left the list, one row holding
the current version, and the idempotency key of a shopper's report sent from an offline queue.

Existing revocations are numbered in the order they were made (1, 2, …), then reinstatements in
the order they happened, so the first version equals the old list's count of revocations made
plus reinstated. Their targets come from the audit entry written with each (its ``ref``), or
failing that from the readable ``target_ref``.

Revision ID: 0010_revlist
Revises: 0010_epcis
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010_revlist"
down_revision = "0010_epcis"
branch_labels = None
depends_on = None

# The readable forms traceability.services.revocations wrote into target_ref.
_READABLE = {
    "label": (re.compile(r"label (\d+)$"), ("serial",)),
    "range": (re.compile(r"lot (\d+) labels (\d+)\D+(\d+)$"), ("lot_id", "first", "last")),
    "lot": (re.compile(r"lot (\d+)$"), ("lot_id",)),
    "product": (re.compile(r"product (\d+)$"), ("product_id",)),
    "producer": (re.compile(r"producer (\d+)$"), ("producer_id",)),
}


def _target_data(target: str, target_ref: str, ref: Any) -> dict[str, Any] | None:
    names = ("kid",) if target == "key" else _READABLE[target][1]
    if isinstance(ref, dict) and all(name in ref for name in names):
        return {name: str(ref[name]) if name == "kid" else int(ref[name]) for name in names}
    if target == "key":
        return {"kid": target_ref.removeprefix("key ").strip()}
    found = _READABLE[target][0].match(target_ref)
    return dict(zip(names, map(int, found.groups()), strict=True)) if found else None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN and CREATE INDEX on both engines: no SQLite table rebuild,
    # which foreign keys to revocations would refuse once labels point at it.
    op.add_column("revocations", sa.Column("target_data", sa.JSON(), nullable=True))
    op.add_column("revocations", sa.Column("listed_version", sa.BigInteger(), nullable=True))
    op.add_column("revocations", sa.Column("unlisted_version", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_revocations_listed_version"), "revocations", ["listed_version"])
    op.create_index(op.f("ix_revocations_unlisted_version"), "revocations", ["unlisted_version"])
    op.add_column("reports", sa.Column("idempotency_key", sa.String(length=36), nullable=True))
    op.create_index(op.f("ix_reports_idempotency_key"), "reports", ["idempotency_key"], unique=True)
    state = op.create_table(
        "revocation_list_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation_list_state")),
    )
    op.bulk_insert(state, [{"id": 1, "version": _number_existing(op.get_bind())}])


def _number_existing(connection: sa.Connection) -> int:
    """Fill in the new revocation columns; return the version they reach."""
    refs: dict[str, Any] = {}
    for entity_id, detail in connection.execute(
        sa.text("SELECT entity_id, detail FROM audit_log WHERE action = 'revocation.create'")
    ):
        refs[str(entity_id)] = (json.loads(detail) if isinstance(detail, str) else detail or {}).get("ref")
    rows = connection.execute(
        sa.text("SELECT id, target, target_ref, reinstated_at FROM revocations ORDER BY created_at, id")
    ).all()
    version = 0
    update = sa.text(
        "UPDATE revocations SET target_data = :data, listed_version = :v WHERE id = :id"
    ).bindparams(sa.bindparam("data", type_=sa.JSON()))
    for row in rows:
        version += 1
        data = _target_data(row.target, row.target_ref, refs.get(str(row.id)))
        connection.execute(update, {"data": data, "v": version, "id": row.id})
    reinstated = sorted(
        (r for r in rows if r.reinstated_at is not None), key=lambda r: (str(r.reinstated_at), r.id)
    )
    for row in reinstated:
        version += 1
        connection.execute(
            sa.text("UPDATE revocations SET unlisted_version = :v WHERE id = :id"),
            {"v": version, "id": row.id},
        )
    return version


def downgrade() -> None:
    op.drop_table("revocation_list_state")
    op.drop_index(op.f("ix_reports_idempotency_key"), table_name="reports")
    op.drop_index(op.f("ix_revocations_unlisted_version"), table_name="revocations")
    op.drop_index(op.f("ix_revocations_listed_version"), table_name="revocations")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+, PostgreSQL), again without rebuilding the table.
    for table, name in (
        ("reports", "idempotency_key"),
        ("revocations", "unlisted_version"),
        ("revocations", "listed_version"),
        ("revocations", "target_data"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")

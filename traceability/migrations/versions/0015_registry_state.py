"""The registry version as one counter row: ``registry_state.version``, raised at the commit of
every transaction that writes an audit entry (traceability.services.registry_version). Before,
the version was the newest audit id and a count of the 1,000 ids below it, read on every
verification: on PostgreSQL, from 1,000 audit entries on, that read cost ~100–140 µs more a
request than the counter row (bench/bench_version_read.py, docs/performance.md).

Revision ID: 0015_registry
Revises: 0014_rebase
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_registry"
down_revision = "0014_rebase"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_state")),
    )
    # Any number will do (workers compare versions for equality, and restart with this
    # release); the newest audit id keeps the counter growing from where the registry is.
    newest = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_log")).scalar_one()
    op.bulk_insert(state, [{"id": 1, "version": int(newest)}])


def downgrade() -> None:
    op.drop_table("registry_state")

"""Clone signals from located checks: a scan's area is now only a province the server
established (a code from traceability.places), an API caller's own word moves to
``scans.claimed_area``, and the label row keeps the clone signal once it fires.

Areas recorded before this revision were all given by API callers, so they move to
``claimed_area``.

Revision ID: 0005_clone
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_clone"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_area", sa.String(length=100), nullable=True))
    op.execute("UPDATE scans SET claimed_area = area, area = NULL WHERE area IS NOT NULL")
    op.execute("UPDATE labels SET first_scan_area = NULL, recent_areas = NULL")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clone_signal", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("clone_signal_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("clone_detail", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("clone_detail")
        batch_op.drop_column("clone_signal_at")
        batch_op.drop_column("clone_signal")
    op.execute("UPDATE scans SET area = claimed_area WHERE claimed_area IS NOT NULL")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_column("claimed_area")

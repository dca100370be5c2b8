"""Scan counters on labels and a (label, time) index on scans, so the verify path reads a
label's scan history in constant time however often the label was scanned.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scan_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("first_scanned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("first_scan_area", sa.String(length=100), nullable=True))
    op.create_index("ix_scans_label_at", "scans", ["label_id", "at"])
    # Scans recorded before this revision count too.
    op.execute(
        """UPDATE labels SET
             scan_count = (SELECT count(*) FROM scans WHERE scans.label_id = labels.id),
             first_scanned_at = (SELECT min(at) FROM scans WHERE scans.label_id = labels.id),
             first_scan_area = (SELECT area FROM scans WHERE scans.label_id = labels.id
                                ORDER BY at, id LIMIT 1)
           WHERE EXISTS (SELECT 1 FROM scans WHERE scans.label_id = labels.id)"""
    )


def downgrade() -> None:
    op.drop_index("ix_scans_label_at", table_name="scans")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("first_scan_area")
        batch_op.drop_column("first_scanned_at")
        batch_op.drop_column("scan_count")

"""A summary of each label's recent scans on the label row, so the verify path reads the clone
signals with its primary-key read instead of aggregating the scans table on every request.

Labels scanned before this revision have no summary (NULL); readers compute it from the scans
until the next scan stores one.

Also drops ix_scans_label_id: ix_scans_label_at (label, time) serves every lookup by label, and
each index costs every scan insert.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recent_sources", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("recent_areas", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("recent_oldest", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_scans_label_id", table_name="scans")


def downgrade() -> None:
    op.create_index("ix_scans_label_id", "scans", ["label_id"])
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("recent_oldest")
        batch_op.drop_column("recent_areas")
        batch_op.drop_column("recent_sources")

"""Clone signals an inspector can act on: the label row keeps the inspector's review
("cleared" as a false alarm, or "confirmed" as a copy) and when it was made, and the source
of the first scratch-off claim (the same network claiming again is not a second claim).

Revision ID: 0010_review
Revises: 0010_revlist
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_review"
down_revision = "0010_revlist"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clone_review", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("clone_reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_source", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("claim_source")
        batch_op.drop_column("clone_reviewed_at")
        batch_op.drop_column("clone_review")

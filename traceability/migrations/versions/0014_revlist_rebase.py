"""The revocation list's version after a restore: ``revocation_list_state.rebased`` is the
version the last restore from a backup set (0: never restored). A client asking for a delta
from a lower version gets the full list, since versions between the backup and the restore
may have been served from a history the restored registry does not hold
(docs/revocation-list.md §5).

Revision ID: 0014_rebase
Revises: 0010_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_rebase"
down_revision = "0010_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "revocation_list_state", sa.Column("rebased", sa.BigInteger(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite 3.35+, PostgreSQL), without rebuilding the table.
    op.execute("ALTER TABLE revocation_list_state DROP COLUMN rebased")

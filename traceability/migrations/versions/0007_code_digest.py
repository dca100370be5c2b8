"""A digest of each issued label code on its row (labels.signer.code_digest), so the verify
path recognises a code it issued with one HMAC instead of an Ed25519 verify.

Labels issued before this revision keep NULL and are verified by their signature, as before:
the digest is keyed by a key the database does not hold, so it cannot be filled in here.

Revision ID: 0007_digest
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_digest"
down_revision = "0005_clone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_digest", sa.LargeBinary(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("code_digest")

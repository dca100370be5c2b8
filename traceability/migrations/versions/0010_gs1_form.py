"""A product's label form: today's ``/V/`` code or the signed GS1 Digital Link (issue 14).

Every product keeps today's form; only one with a GTIN may have the GS1 form.

Revision ID: 0010_gs1
Revises: 0009_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_gs1"
down_revision = "0009_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "label_form",
                sa.Enum(
                    "ocop", "gs1", name="label_form", native_enum=False, create_constraint=True, length=32
                ),
                nullable=False,
                server_default="ocop",
            )
        )
        batch_op.create_check_constraint("gs1_form_needs_gtin", "label_form = 'ocop' OR gtin IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint("gs1_form_needs_gtin", type_="check")
        batch_op.drop_constraint("label_form", type_="check")  # the enum's own CHECK
        batch_op.drop_column("label_form")

"""EPCIS capture: partners with hashed API tokens, and captured events in the lot journey
(who sent them, their eventID, the event as captured; the journey kind ``received``).

Revision ID: 0010_epcis
Revises: 0010_gs1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_epcis"
down_revision = "0010_gs1"
branch_labels = None
depends_on = None

OLD_KINDS = ("harvested", "processed", "packed", "inspected", "shipped")
NEW_KINDS = (*OLD_KINDS, "received")


def _kind(kinds: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*kinds, name="event_kind", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_partners_producer_id_producers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_partners_token_hash")),
    )
    op.create_index(op.f("ix_partners_producer_id"), "partners", ["producer_id"])
    # Batch mode: SQLite rebuilds the table to add a foreign key and change the kind's CHECK.
    with op.batch_alter_table("lot_events") as batch:
        batch.alter_column(
            "kind", existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS), existing_nullable=False
        )
        batch.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("epcis_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("epcis_event", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_lot_events_partner_id_partners"), "partners", ["partner_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_lot_events_epcis_id"), ["epcis_id"])
        batch.create_index(op.f("ix_lot_events_partner_id"), ["partner_id"])


def downgrade() -> None:
    op.execute("DELETE FROM lot_events WHERE kind = 'received'")
    with op.batch_alter_table("lot_events") as batch:
        batch.drop_index(op.f("ix_lot_events_partner_id"))
        batch.drop_constraint(op.f("uq_lot_events_epcis_id"), type_="unique")
        batch.drop_constraint(op.f("fk_lot_events_partner_id_partners"), type_="foreignkey")
        batch.drop_column("epcis_event")
        batch.drop_column("epcis_id")
        batch.drop_column("partner_id")
        batch.alter_column(
            "kind", existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS), existing_nullable=False
        )
    op.drop_index(op.f("ix_partners_producer_id"), table_name="partners")
    op.drop_table("partners")

"""Producers, products, certifications, lots and lot events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import (
    CertificationStatus,
    EventKind,
    IssuingLevel,
    LabelForm,
    ProducerKind,
    ProductGroup,
    RecordStatus,
)
from .base import Base, str_enum, utcnow


class Producer(Base):
    """A chủ thể OCOP: enterprise, cooperative, cooperative group or household business."""

    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProducerKind] = mapped_column(str_enum(ProducerKind, "producer_kind"))
    commune: Mapped[str] = mapped_column(String(100))
    # Vietnam abolished the district tier on 2025-07-01; older addresses still have one.
    district: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    tax_code: Mapped[str | None] = mapped_column(String(14), unique=True)
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, "record_status"), default=RecordStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    products: Mapped[list[Product]] = relationship(back_populates="producer", order_by="Product.id")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("gtin IS NULL OR length(gtin) = 14", name="gtin_length"),
        CheckConstraint("label_form = 'ocop' OR gtin IS NOT NULL", name="gs1_form_needs_gtin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[ProductGroup] = mapped_column("product_group", str_enum(ProductGroup, "product_group"))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    label_form: Mapped[LabelForm] = mapped_column(
        str_enum(LabelForm, "label_form"), default=LabelForm.OCOP, server_default=LabelForm.OCOP.value
    )
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, "record_status"), default=RecordStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    producer: Mapped[Producer] = relationship(back_populates="products")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="product", order_by="Certification.issued_on"
    )
    lots: Mapped[list[Lot]] = relationship(back_populates="product", order_by="Lot.id")


class Certification(Base):
    """One OCOP recognition decision. Re-rating adds a row; history is never overwritten."""

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 3 AND 5", name="stars_range"),
        CheckConstraint("valid_until > issued_on", name="valid_after_issue"),
        UniqueConstraint("number", "product_id", name="uq_certifications_number_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    stars: Mapped[int]
    number: Mapped[str] = mapped_column(String(100))  # số quyết định / giấy chứng nhận
    level: Mapped[IssuingLevel] = mapped_column(str_enum(IssuingLevel, "issuing_level"))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[CertificationStatus] = mapped_column(
        str_enum(CertificationStatus, "certification_status"), default=CertificationStatus.ACTIVE
    )
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="certifications")


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("product_id", "code", name="uq_lots_product_code"),
        CheckConstraint(
            "best_before IS NULL OR best_before >= produced_on", name="best_before_after_production"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    produced_on: Mapped[date] = mapped_column(Date)
    # The product's own expiry (hạn sử dụng), not the certificate's.
    best_before: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, "record_status"), default=RecordStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="lots")
    events: Mapped[list[LotEvent]] = relationship(back_populates="lot", order_by="LotEvent.occurred_at")


class LotEvent(Base):
    """A step of a lot's journey (harvested, processed, packed, inspected, shipped)."""

    __tablename__ = "lot_events"
    __table_args__ = (Index("ix_lot_events_lot_time", "lot_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    occurred_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set for an event a partner captured through EPCIS (revision 0010_epcis): who sent it, its
    # eventID (unique, so a document sent twice is refused) and the event as captured, which
    # the EPCIS query interface returns as it was given.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    epcis_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    epcis_event: Mapped[dict[str, Any] | None] = mapped_column()

    lot: Mapped[Lot] = relationship(back_populates="events")

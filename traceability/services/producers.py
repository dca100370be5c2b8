"""Producers and their products."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..enums import LabelForm, ProducerKind, ProductGroup
from ..exc import Conflict, NotFound
from ..models import Producer, Product
from . import audit


def create_producer(
    session: Session,
    *,
    actor: str,
    legal_name: str,
    kind: ProducerKind | str,
    commune: str,
    province: str,
    district: str | None = None,
    contact: str | None = None,
    tax_code: str | None = None,
) -> Producer:
    """Add a producer and return it (flushed, with its id).

    Raises :class:`ValidationError` for bad fields, :class:`Conflict` for a tax code in use.
    """
    producer = Producer(
        **producer_fields(
            session,
            legal_name=legal_name,
            kind=kind,
            commune=commune,
            province=province,
            district=district,
            contact=contact,
            tax_code=tax_code,
        )
    )
    session.add(producer)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="producer.create",
        entity="producer",
        entity_id=producer.id,
        summary=f"Registered producer {producer.legal_name}",
        detail={"kind": producer.kind.value, "province": producer.province, "name": producer.legal_name},
    )
    return producer


def producer_fields(
    session: Session,
    *,
    legal_name: str,
    kind: ProducerKind | str,
    commune: str,
    province: str,
    district: str | None,
    contact: str | None,
    tax_code: str | None,
    producer_id: int | None = None,
) -> dict[str, Any]:
    """Return a producer's checked fields, for registering one or correcting ``producer_id``.

    Raises :class:`ValidationError` for a bad field, :class:`Conflict` for a tax code another
    producer holds.
    """
    fields: dict[str, Any] = {
        "legal_name": validate.required_text("legal_name", legal_name, max_length=200),
        "kind": validate.choice("kind", kind, ProducerKind),
        "commune": validate.required_text("commune", commune, max_length=100),
        "district": validate.text("district", district, max_length=100, required=False),
        "province": validate.required_text("province", province, max_length=100),
        "contact": validate.text("contact", contact, max_length=200, required=False),
        "tax_code": validate.tax_code(tax_code),
    }
    code = fields["tax_code"]
    if code and session.scalar(
        select(Producer.id).where(Producer.tax_code == code, Producer.id != (producer_id or 0))
    ):
        raise Conflict("producer", code, "tax code %(code)s is already registered", code=code)
    return fields


def product_fields(
    session: Session,
    *,
    name: str,
    group: ProductGroup | str,
    gtin: str | None,
    label_form: LabelForm | str | None,
    product_id: int | None = None,
) -> dict[str, Any]:
    """Return a product's checked fields, for registering one or correcting ``product_id``.

    Raises :class:`ValidationError` for a bad field (also the GS1 label form without a GTIN),
    :class:`Conflict` for a GTIN another product holds.
    """
    clean_gtin = validate.gtin(gtin)
    fields: dict[str, Any] = {
        "name": validate.required_text("name", name, max_length=200),
        "group": validate.choice("group", group, ProductGroup),
        "gtin": clean_gtin,
        "label_form": validate.label_form(label_form, clean_gtin),
    }
    code = fields["gtin"]
    other = select(Product.id).where(Product.gtin == code, Product.id != (product_id or 0))
    if code and session.scalar(other):
        raise Conflict("product", code, "GTIN %(gtin)s is already registered", gtin=code)
    return fields


def get_producer(session: Session, producer_id: int) -> Producer:
    """Return the producer. Raises :class:`NotFound`."""
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise NotFound("producer", producer_id)
    return producer


def list_producers(session: Session) -> Sequence[Producer]:
    """Return every producer, by name."""
    return session.scalars(select(Producer).order_by(Producer.legal_name)).all()


def create_product(
    session: Session,
    *,
    actor: str,
    producer_id: int,
    name: str,
    group: ProductGroup | str,
    gtin: str | None = None,
    label_form: LabelForm | str = LabelForm.OCOP,
) -> Product:
    """Add a product of a producer and return it.

    Raises :class:`NotFound` (producer), :class:`ValidationError` (also the GS1 label form
    without a GTIN), :class:`Conflict` (GTIN in use).
    """
    producer = get_producer(session, producer_id)
    product = Product(
        producer=producer,
        **product_fields(session, name=name, group=group, gtin=gtin, label_form=label_form),
    )
    session.add(product)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="product.create",
        entity="product",
        entity_id=product.id,
        summary=f"Registered product {product.name} of {producer.legal_name}",
        detail={
            "group": product.group.value,
            "gtin": product.gtin,
            "label_form": product.label_form.value,
            "name": product.name,
            "producer": producer.legal_name,
        },
    )
    return product


def get_product(session: Session, product_id: int) -> Product:
    """Return the product. Raises :class:`NotFound`."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product", product_id)
    return product

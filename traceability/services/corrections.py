"""Correcting a producer's or product's registered details. Every change is audited with the
old and new values; history of certifications and lots is never edited here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability import validate
from traceability.enums import ProducerKind, ProductGroup
from traceability.exc import Conflict
from traceability.models import Producer, Product
from traceability.services import audit
from traceability.services.producers import get_producer, get_product


def _audit_changes(
    session: Session, actor: str, entity: str, record: Any, new: dict[str, Any]
) -> dict[str, Any]:
    changes = {}
    for name, value in new.items():
        old = getattr(record, name)
        if old != value:
            changes[name] = {"from": getattr(old, "value", old), "to": getattr(value, "value", value)}
            setattr(record, name, value)
    if changes:
        audit.record(
            session,
            actor=actor,
            action=f"{entity}.update",
            entity=entity,
            entity_id=record.id,
            summary=f"Updated {entity} {record.id}: {', '.join(sorted(changes))}",
            detail=changes,
        )
    return changes


def update_producer(
    session: Session,
    *,
    actor: str,
    producer_id: int,
    legal_name: str,
    kind: ProducerKind | str,
    commune: str,
    province: str,
    district: str | None = None,
    contact: str | None = None,
    tax_code: str | None = None,
) -> dict[str, Any]:
    """Replace the producer's details; return the changed fields (``{}`` if none).

    Raises :class:`NotFound`, :class:`ValidationError`, :class:`Conflict` (tax code in use).
    """
    producer = get_producer(session, producer_id)
    new = {
        "legal_name": validate.required_text("legal_name", legal_name, max_length=200),
        "kind": validate.choice("kind", kind, ProducerKind),
        "commune": validate.required_text("commune", commune, max_length=100),
        "district": validate.text("district", district, max_length=100, required=False),
        "province": validate.required_text("province", province, max_length=100),
        "contact": validate.text("contact", contact, max_length=200, required=False),
        "tax_code": validate.tax_code(tax_code),
    }
    if new["tax_code"] and session.scalar(
        select(Producer.id).where(Producer.tax_code == new["tax_code"], Producer.id != producer.id)
    ):
        raise Conflict(
            "producer", new["tax_code"], "tax code %(code)s is already registered", code=new["tax_code"]
        )
    return _audit_changes(session, actor, "producer", producer, new)


def update_product(
    session: Session,
    *,
    actor: str,
    product_id: int,
    name: str,
    group: ProductGroup | str,
    gtin: str | None = None,
) -> dict[str, Any]:
    """Replace the product's name, group and GTIN; return the changed fields.

    Raises :class:`NotFound`, :class:`ValidationError`, :class:`Conflict` (GTIN in use).
    """
    product = get_product(session, product_id)
    new = {
        "name": validate.required_text("name", name, max_length=200),
        "group": validate.choice("group", group, ProductGroup),
        "gtin": validate.gtin(gtin),
    }
    if new["gtin"] and session.scalar(
        select(Product.id).where(Product.gtin == new["gtin"], Product.id != product.id)
    ):
        raise Conflict("product", new["gtin"], "GTIN %(gtin)s is already registered", gtin=new["gtin"])
    return _audit_changes(session, actor, "product", product, new)

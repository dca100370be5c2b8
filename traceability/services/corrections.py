"""Correcting a producer's or product's registered details. Every change is audited with the
old and new values; history of certifications and lots is never edited here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from traceability.enums import LabelForm, ProducerKind, ProductGroup
from traceability.exc import ValidationError
from traceability.services import audit
from traceability.services.producers import get_producer, get_product, producer_fields, product_fields


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
    new = producer_fields(
        session,
        legal_name=legal_name,
        kind=kind,
        commune=commune,
        province=province,
        district=district,
        contact=contact,
        tax_code=tax_code,
        producer_id=producer.id,
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
    label_form: LabelForm | str | None = None,
) -> dict[str, Any]:
    """Replace the product's name, group, GTIN and (if given) label form; return the changed
    fields.

    Raises :class:`NotFound`, :class:`ValidationError` (also the GS1 form without a GTIN),
    :class:`Conflict` (GTIN in use).
    """
    product = get_product(session, product_id)
    new = product_fields(
        session,
        name=name,
        group=group,
        gtin=gtin,
        label_form=product.label_form if label_form is None else label_form,
        product_id=product.id,
    )
    return _audit_changes(session, actor, "product", product, new)


def choose_label_form(
    session: Session, *, actor: str, product_id: int, label_form: LabelForm | str, gtin: str | None
) -> dict[str, Any]:
    """The producer's choice: set the product's label form and, only while it has no GTIN yet,
    its GTIN (``gtin`` empty keeps the one it has). Return the changed fields (``{}`` if none).

    Raises :class:`NotFound`, :class:`ValidationError` (a bad GTIN or form, the GS1 form without
    a GTIN, or a GTIN other than the product's own: field ``gtin``), :class:`Conflict` (GTIN in
    use by another product).
    """
    product = get_product(session, product_id)
    kept = product.gtin if product.gtin and not (gtin or "").strip() else gtin
    new = product_fields(
        session,
        name=product.name,
        group=product.group,
        gtin=kept,
        label_form=label_form,
        product_id=product.id,
    )
    if product.gtin and new["gtin"] != product.gtin:
        # A GS1-form label must name the registry's GTIN to verify (usecases.verify), so a
        # changed GTIN turns every one printed into "not genuine": the office decides that
        # (update_product), never the producer's portal.
        raise ValidationError(
            "gtin",
            "this product's GTIN is already set; to change it, ask the coordination office "
            "(labels already printed with the old GTIN would no longer verify as genuine)",
        )
    return _audit_changes(
        session, actor, "product", product, {"gtin": new["gtin"], "label_form": new["label_form"]}
    )

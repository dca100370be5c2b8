"""Production lots and their journey events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..enums import EventKind
from ..exc import Conflict, NotFound, ValidationError
from ..models import Lot, LotEvent
from . import audit
from .producers import get_product


def create_lot(
    session: Session,
    *,
    actor: str,
    product_id: int,
    code: str,
    produced_on: date,
    best_before: date | None = None,
) -> Lot:
    """Add a production lot and return it.

    Raises :class:`NotFound` (product), :class:`ValidationError` (empty code, best-before
    before production), :class:`Conflict` (code already used for this product).
    """
    product = get_product(session, product_id)
    clean_code = validate.required_text("code", code, max_length=40)
    if not isinstance(produced_on, date):
        raise ValidationError("produced_on", "must be a date")
    if best_before is not None and best_before < produced_on:
        raise ValidationError("best_before", "cannot be before the production date")
    if session.scalar(select(Lot.id).where(Lot.product_id == product.id, Lot.code == clean_code)):
        raise Conflict(
            "lot",
            clean_code,
            "lot %(code)s already exists for %(product)s",
            code=clean_code,
            product=product.name,
        )
    lot = Lot(product=product, code=clean_code, produced_on=produced_on, best_before=best_before)
    session.add(lot)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lot.create",
        entity="lot",
        entity_id=lot.id,
        summary=f"Lot {clean_code} of {product.name}, produced {produced_on.isoformat()}",
        detail={
            "product_id": product.id,
            "product": product.name,
            "code": clean_code,
            "produced_on": produced_on.isoformat(),
            "best_before": best_before.isoformat() if best_before else None,
        },
    )
    return lot


def get_lot(session: Session, lot_id: int) -> Lot:
    """Return the lot. Raises :class:`NotFound`."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound("lot", lot_id)
    return lot


def find_lot(session: Session, *, product_id: int, code: str) -> Lot:
    """Return the product's lot with this code. Raises :class:`NotFound`."""
    lot = session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.code == code.strip()))
    if lot is None:
        raise NotFound("lot", code)
    return lot


def add_event(
    session: Session,
    *,
    actor: str,
    lot_id: int,
    kind: EventKind | str,
    occurred_at: datetime,
    place: str | None = None,
    note: str | None = None,
) -> LotEvent:
    """Record a step of the lot's journey and return it.

    Raises :class:`NotFound`, :class:`ValidationError` (unknown kind, naive or future time).
    """
    lot = get_lot(session, lot_id)
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        raise ValidationError("occurred_at", "must be a date and time with a time zone")
    if occurred_at > datetime.now(UTC):
        raise ValidationError("occurred_at", "cannot be in the future")
    event = LotEvent(
        lot=lot,
        kind=validate.choice("kind", kind, EventKind),
        occurred_at=occurred_at,
        place=validate.text("place", place, max_length=200, required=False),
        note=validate.text("note", note, max_length=2000, required=False),
        recorded_by=actor,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lot.event",
        entity="lot",
        entity_id=lot.id,
        summary=f"Lot {lot.code}: {event.kind.value} at {event.place or '-'}",
        detail={"event_id": event.id, "code": lot.code, "kind": event.kind.value, "place": event.place},
    )
    return event


def events(session: Session, lot_id: int) -> Sequence[LotEvent]:
    """Return the lot's journey, oldest first."""
    return session.scalars(
        select(LotEvent).where(LotEvent.lot_id == lot_id).order_by(LotEvent.occurred_at, LotEvent.id)
    ).all()

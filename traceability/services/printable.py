"""What the staff pages offer for printing labels: the products, their current rating and
their lot codes. Read only; the checks that refuse an issue live in :mod:`usecases.issuance`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import RecordStatus
from ..models import Certification, Lot, Producer, Product
from .certifications import in_force_on


@dataclass(frozen=True, slots=True)
class PrintableProduct:
    """A product as the print form lists it; ``stars`` is ``None`` without a certification in
    force today."""

    id: int
    name: str
    producer: str
    stars: int | None
    certified_until: date | None
    lot_codes: tuple[str, ...]

    @property
    def may_carry_labels(self) -> bool:
        """True if the product has a certification of 3 stars or more in force today."""
        return self.stars is not None and self.stars >= 3


def printable_products(
    session: Session, *, today: date, producer_id: int | None = None, certified_only: bool = False
) -> list[PrintableProduct]:
    """Return the active products of active producers (only ``producer_id``'s if given), by
    producer and name, each with its certification in force on ``today`` and its active lots.
    With ``certified_only`` only products with a 3★+ certification in force are returned."""
    query = (
        select(Product.id, Product.name, Producer.legal_name)
        .join(Producer, Producer.id == Product.producer_id)
        .where(Product.status == RecordStatus.ACTIVE, Producer.status == RecordStatus.ACTIVE)
        .order_by(Producer.legal_name, Product.name, Product.id)
    )
    if producer_id is not None:
        query = query.where(Product.producer_id == producer_id)
    rows = session.execute(query).all()
    ids = [row.id for row in rows]
    if not ids:
        return []
    certs: dict[int, Certification] = {}
    for cert in session.scalars(
        select(Certification)
        .where(
            Certification.product_id.in_(ids),
            *in_force_on(today),
        )
        .order_by(Certification.issued_on, Certification.id)
    ):
        certs[cert.product_id] = cert  # the newest one wins, as when issuing
    lots: dict[int, list[str]] = {}
    for product_id, code in session.execute(
        select(Lot.product_id, Lot.code)
        .where(Lot.product_id.in_(ids), Lot.status == RecordStatus.ACTIVE)
        .order_by(Lot.id)
    ):
        lots.setdefault(product_id, []).append(code)
    found = [
        PrintableProduct(
            id=row.id,
            name=row.name,
            producer=row.legal_name,
            stars=certs[row.id].stars if row.id in certs else None,
            certified_until=certs[row.id].valid_until if row.id in certs else None,
            lot_codes=tuple(lots.get(row.id, ())),
        )
        for row in rows
    ]
    return [p for p in found if p.may_carry_labels] if certified_only else found

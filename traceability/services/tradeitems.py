"""What the registry says about a GS1 trade item (a GTIN, maybe a lot and a serial): what the
GS1 resolver (``verify_web.public.gs1``) needs to list the item's links and answer its recall status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import CertificationStatus, LabelForm, RecordStatus
from ..models import Certification, Label, Lot, Producer, Product, Revocation


@dataclass(frozen=True, slots=True)
class CertificationInfo:
    stars: int
    number: str
    level: str
    issued_on: date
    valid_until: date
    status: CertificationStatus


@dataclass(frozen=True, slots=True)
class TradeItem:
    """A registered product with that GTIN, and the lot and label the request names (``None``
    when not named or not found; ``lot_found``/``label_found`` say which)."""

    gtin: str
    product_name: str
    producer_name: str
    province: str
    label_form: LabelForm
    revoked: bool  # the product or its producer is revoked
    certification: CertificationInfo | None  # the newest active one valid today, else the newest
    lot_code: str | None = None
    lot_found: bool = False
    lot_revoked: bool = False
    best_before: date | None = None
    serial: int | None = None
    label_found: bool = False
    label_revocation: str | None = None  # the revocation reason of a revoked label

    @property
    def recalled(self) -> bool:
        """True if the product, its producer, the lot or the label is revoked."""
        return self.revoked or self.lot_revoked or self.label_revocation is not None


def trade_item(
    session: Session, gtin: str, *, lot: str | None = None, serial: int | None = None, today: date
) -> TradeItem | None:
    """Return the registry's trade item with GTIN-14 ``gtin`` (``None`` if no product has it),
    with the named lot and the label ``serial`` of that lot, if they exist."""
    row = session.execute(
        select(Product.id, Product.name, Product.label_form, Product.status, Producer.legal_name)
        .add_columns(Producer.province, Producer.status)
        .join(Producer, Product.producer_id == Producer.id)
        .where(Product.gtin == gtin)
    ).first()
    if row is None:
        return None
    product_id, name, form, status, producer, province, producer_status = row
    item = TradeItem(
        gtin=gtin,
        product_name=name,
        producer_name=producer,
        province=province,
        label_form=form,
        revoked=RecordStatus.REVOKED in (status, producer_status),
        certification=_certification(session, product_id, today),
        lot_code=lot,
        serial=serial,
    )
    if lot is None:
        return item
    found = session.execute(
        select(Lot.id, Lot.status, Lot.best_before).where(Lot.product_id == product_id, Lot.code == lot)
    ).first()
    if found is None:
        return item
    lot_id, lot_status, best_before = found
    item = replace(
        item, lot_found=True, lot_revoked=lot_status is RecordStatus.REVOKED, best_before=best_before
    )
    if serial is None:
        return item
    label = session.execute(
        select(Label.status, Revocation.reason)
        .outerjoin(Revocation, Label.revocation_id == Revocation.id)
        .where(Label.serial == serial, Label.lot_id == lot_id)
    ).first()
    if label is None:
        return item
    revoked = label[0] is RecordStatus.REVOKED
    reason = (label[1].value if label[1] is not None else "other") if revoked else None
    return replace(item, label_found=True, label_revocation=reason)


def _certification(session: Session, product_id: int, today: date) -> CertificationInfo | None:
    """The newest active certification valid today, else the newest one (expired or withdrawn)."""
    rows = session.execute(
        select(
            Certification.stars,
            Certification.number,
            Certification.level,
            Certification.issued_on,
            Certification.valid_until,
            Certification.status,
        )
        .where(Certification.product_id == product_id)
        .order_by(Certification.issued_on.desc(), Certification.id.desc())
    ).all()
    current = [
        r for r in rows if r.status is CertificationStatus.ACTIVE and r.issued_on <= today <= r.valid_until
    ]
    if not rows:
        return None
    chosen = (current or rows)[0]
    return CertificationInfo(
        chosen.stars, chosen.number, chosen.level.value, chosen.issued_on, chosen.valid_until, chosen.status
    )

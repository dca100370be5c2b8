"""The registry side of printing labels: what issuing needs to know and batched inserts
(reading labels back for a reprint is :mod:`.reprints`). The checks that refuse an issue live
in :mod:`usecases.issuance`; these functions only read and write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..enums import LabelForm, RecordStatus
from ..exc import NotFound, ValidationError
from ..models import Certification, Label, Lot, Producer, Product, utcnow
from . import audit
from .certifications import current_certification


@dataclass(frozen=True, slots=True)
class IssueContext:
    """The product, its producer, the lot and the certification a new label would carry."""

    product_id: int
    product_name: str
    product_status: RecordStatus
    producer_name: str
    producer_status: RecordStatus
    province: str
    lot_id: int
    lot_code: str
    lot_status: RecordStatus
    best_before: date | None
    certification: Certification | None  # the newest active one valid today, if any
    next_number: int
    gs1_gtin: str | None = None  # the GTIN, when the product's labels take the GS1 form


def issue_context(session: Session, *, product_id: int, lot_code: str, today: date) -> IssueContext:
    """Return what issuing labels for the product's lot needs to know.

    Raises :class:`NotFound` for an unknown product or lot code.
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product", product_id)
    producer = session.get(Producer, product.producer_id)
    assert producer is not None  # a foreign key guarantees it
    lot = session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.code == lot_code.strip()))
    if lot is None:
        raise NotFound("lot", lot_code)
    cert = current_certification(session, product_id, today)
    highest = session.scalar(select(func.max(Label.number)).where(Label.lot_id == lot.id))
    return IssueContext(
        product_id=product.id,
        product_name=product.name,
        product_status=product.status,
        producer_name=producer.legal_name,
        producer_status=producer.status,
        province=producer.province,
        lot_id=lot.id,
        lot_code=lot.code,
        lot_status=lot.status,
        best_before=lot.best_before,
        certification=cert,
        next_number=(highest or 0) + 1,
        gs1_gtin=product.gtin if product.label_form is LabelForm.GS1 else None,
    )


def insert_labels(
    session: Session,
    *,
    lot_id: int,
    certification_id: int,
    key_id: str,
    issued_at: datetime,
    serials: Sequence[int],
    first_number: int,
    secret_hashes: Sequence[str | None],
    code_digests: Sequence[bytes | None],
) -> None:
    """Insert one batch of label rows numbered from ``first_number`` (no ORM objects, no audit:
    the caller records one audit entry for the whole run with :func:`record_issue`), with the
    issued codes' digests (:func:`labels.signer.code_digest`)."""
    session.execute(
        insert(Label),
        [
            {
                "serial": serial,
                "lot_id": lot_id,
                "number": first_number + i,
                "certification_id": certification_id,
                "key_id": key_id,
                "issued_at": issued_at,
                "status": RecordStatus.ACTIVE,
                "secret_hash": secret_hashes[i],
                "claim_attempts": 0,
                "code_digest": code_digests[i],
            }
            for i, serial in enumerate(serials)
        ],
    )


def record_issue(
    session: Session,
    *,
    actor: str,
    lot_id: int,
    lot_code: str,
    certification_id: int,
    key_id: str,
    first_number: int,
    count: int,
    with_secret: bool,
) -> None:
    """Add the audit entry for a completed issue run."""
    last = first_number + count - 1
    audit.record(
        session,
        actor=actor,
        action="labels.issue",
        entity="lot",
        entity_id=lot_id,
        summary=f"Issued {count} labels for lot {lot_code}, numbers {first_number}–{last}",
        detail={
            "count": count,
            "first_number": first_number,
            "key_id": key_id,
            "certification_id": certification_id,
            "with_secret": with_secret,
            "code": lot_code,
        },
    )


def record_labels(
    session: Session,
    *,
    actor: str,
    lot: Lot,
    certification: Certification,
    key_id: str,
    serials: Sequence[int],
    first_number: int,
    code_digests: Sequence[bytes | None] | None = None,
) -> None:
    """Record a whole run of labels at once, for callers that draw no labels (the demo data,
    benchmarks): its rows by :func:`insert_labels` (in slices of 2,000) and its audit entry by
    :func:`record_issue`, as an issue run does."""
    digests = list(code_digests or [None] * len(serials))
    issued_at = utcnow()
    for start in range(0, len(serials), 2000):
        insert_labels(
            session,
            lot_id=lot.id,
            certification_id=certification.id,
            key_id=key_id,
            issued_at=issued_at,
            serials=serials[start : start + 2000],
            first_number=first_number + start,
            secret_hashes=[None] * len(serials[start : start + 2000]),
            code_digests=digests[start : start + 2000],
        )
    record_issue(
        session,
        actor=actor,
        lot_id=lot.id,
        lot_code=lot.code,
        certification_id=certification.id,
        key_id=key_id,
        first_number=first_number,
        count=len(serials),
        with_secret=False,
    )


def find_lot(session: Session, *, code: str, product_id: int | None = None) -> Lot:
    """Return the lot with this code (of ``product_id`` if given).

    Raises :class:`NotFound`, or :class:`ValidationError` (field ``product``) when several
    products have a lot with this code and no product was named.
    """
    query = select(Lot).where(Lot.code == code.strip())
    if product_id is not None:
        query = query.where(Lot.product_id == product_id)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise NotFound("lot", code)
    if len(found) > 1:
        raise ValidationError(
            "product", "several products have a lot %(code)s; name the product", code=code.strip()
        )
    return found[0]


def gs1_facts(session: Session, lot_id: int) -> tuple[str | None, date | None]:
    """Return (the GTIN if the lot's product takes the GS1 label form, the lot's best-before)."""
    row = session.execute(
        select(Product.gtin, Product.label_form, Lot.best_before)
        .join(Lot, Lot.product_id == Product.id)
        .where(Lot.id == lot_id)
    ).one()
    return (row.gtin if row.label_form is LabelForm.GS1 else None), row.best_before


def product_facts(session: Session, product_id: int) -> tuple[str, str, str]:
    """Return (product name, producer name, province). Raises :class:`NotFound`."""
    row = session.execute(
        select(Product.name, Producer.legal_name, Producer.province)
        .join(Producer, Product.producer_id == Producer.id)
        .where(Product.id == product_id)
    ).first()
    if row is None:
        raise NotFound("product", product_id)
    return row[0], row[1], row[2]

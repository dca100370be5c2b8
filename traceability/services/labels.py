"""Issued labels: recording a print run, and everything the verifier needs about one label."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from ..enums import CertificationStatus, RecordStatus, RevocationReason, RevocationTarget
from ..models import Certification, Label, Lot, Producer, Product, Revocation

SERIAL_BITS = 60


def new_serials(count: int) -> list[int]:
    """Return ``count`` distinct random 60-bit serials (unguessable; the label code's id)."""
    serials: set[int] = set()
    while len(serials) < count:
        serials.add(secrets.randbits(SERIAL_BITS))
    return list(serials)


def next_number(session: Session, lot_id: int) -> int:
    """Return the next free label number in the lot (1 for a new lot)."""
    highest = session.scalar(select(func.max(Label.number)).where(Label.lot_id == lot_id))
    return (highest or 0) + 1


def lock_labels(session: Session, condition: ColumnElement[bool]) -> None:
    """Lock the labels matching ``condition`` in the caller's transaction, in id order and
    ``FOR NO KEY UPDATE``: the order and strength the scan writer locks labels with
    (:func:`.scans.record_scans`). A change to many labels locks them with this first, so it
    waits for a writer's batch, or a writer for it, but the two never wait on each other
    crosswise (an UPDATE alone locks rows in whatever order it finds them). Does nothing on
    SQLite, whose writer holds the whole database."""
    if session.get_bind().dialect.name != "postgresql":
        return
    locked = select(Label.id).where(condition).order_by(Label.id).with_for_update(key_share=True)
    session.execute(select(func.count()).select_from(locked.subquery()))


@dataclass(frozen=True, slots=True)
class RevocationFacts:
    id: int
    target: RevocationTarget
    reason: RevocationReason
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LabelFacts:
    """Everything the registry knows about one label, read in one query."""

    label_id: int
    serial: int
    number: int
    status: RecordStatus
    issued_at: datetime
    key_id: str
    has_secret: bool
    claimed_at: datetime | None
    revocation: RevocationFacts | None
    lot_id: int
    lot_code: str
    produced_on: date
    best_before: date | None
    product_id: int
    product_name: str
    product_group: str
    gtin: str | None
    producer_id: int
    producer_name: str
    producer_kind: str
    commune: str
    district: str | None
    province: str
    certification_id: int
    stars: int
    certificate_number: str
    issuing_level: str
    certified_on: date
    certified_until: date
    certification_status: CertificationStatus
    withdrawn_on: date | None
    code_digest: bytes | None = None  # of the code as issued (labels.signer.code_digest)


# Columns, not entities: a verification that misses the verify cache (every first scan of a
# label in a worker) spent most of its time building six ORM objects it only read from.
# FACTS selects them by ``serial``; facts_from_row turns its row into LabelFacts.
FACTS = (
    select(
        Label.id,
        Label.serial,
        Label.number,
        Label.status,
        Label.issued_at,
        Label.key_id,
        Label.secret_hash.is_not(None),
        Label.claimed_at,
        Revocation.id,
        Revocation.target,
        Revocation.reason,
        Revocation.note,
        Revocation.created_at,
        Lot.id,
        Lot.code,
        Lot.produced_on,
        Lot.best_before,
        Product.id,
        Product.name,
        Product.group,
        Product.gtin,
        Producer.id,
        Producer.legal_name,
        Producer.kind,
        Producer.commune,
        Producer.district,
        Producer.province,
        Certification.id,
        Certification.stars,
        Certification.number,
        Certification.level,
        Certification.issued_on,
        Certification.valid_until,
        Certification.status,
        Certification.withdrawn_on,
        Label.code_digest,
    )
    .join(Lot, Label.lot_id == Lot.id)
    .join(Product, Lot.product_id == Product.id)
    .join(Producer, Product.producer_id == Producer.id)
    .join(Certification, Label.certification_id == Certification.id)
    .outerjoin(Revocation, Label.revocation_id == Revocation.id)
    .where(Label.serial == bindparam("serial"))
)


FACTS_WIDTH = len(FACTS.selected_columns)


def label_facts(session: Session, serial: int) -> LabelFacts | None:
    """Return the registry's facts about the label with ``serial``, or ``None`` if unknown."""
    row = session.execute(FACTS, {"serial": serial}).first()
    return None if row is None else facts_from_row(tuple(row))


def facts_from_row(row: Sequence[Any]) -> LabelFacts:
    """Return the :class:`LabelFacts` in a row of :data:`FACTS` (its first columns, in order)."""
    (
        label_id, serial_, number, status, issued_at, key_id, has_secret, claimed_at,
        revocation_id, target, reason, note, revoked_at,
        lot_id, lot_code, produced_on, best_before,
        product_id, product_name, product_group, gtin,
        producer_id, producer_name, producer_kind, commune, district, province,
        certification_id, stars, number_, level, issued_on, valid_until, cert_status, withdrawn_on,
        code_digest,
    ) = row[:FACTS_WIDTH]  # fmt: skip
    return LabelFacts(
        label_id=label_id,
        serial=serial_,
        number=number,
        status=status,
        issued_at=issued_at,
        key_id=key_id,
        has_secret=bool(has_secret),
        claimed_at=claimed_at,
        revocation=(
            RevocationFacts(revocation_id, target, reason, note, revoked_at)
            if revocation_id is not None
            else None
        ),
        lot_id=lot_id,
        lot_code=lot_code,
        produced_on=produced_on,
        best_before=best_before,
        product_id=product_id,
        product_name=product_name,
        product_group=product_group.value,
        gtin=gtin,
        producer_id=producer_id,
        producer_name=producer_name,
        producer_kind=producer_kind.value,
        commune=commune,
        district=district,
        province=province,
        certification_id=certification_id,
        stars=stars,
        certificate_number=number_,
        issuing_level=level.value,
        certified_on=issued_on,
        certified_until=valid_until,
        certification_status=cert_status,
        withdrawn_on=withdrawn_on,
        code_digest=code_digest,
    )


def labels_of_lot(session: Session, lot_id: int, *, limit: int = 1000) -> Sequence[Label]:
    """Return the lot's labels by number (at most ``limit``)."""
    query = select(Label).where(Label.lot_id == lot_id).order_by(Label.number).limit(limit)
    return session.scalars(query).all()

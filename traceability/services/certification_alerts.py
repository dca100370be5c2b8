"""Certifications that need the coordination office's attention: ending soon (push for
re-rating) or already ended while their labels are still being scanned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from traceability.enums import CertificationStatus
from traceability.models import Certification, Label, Producer, Product, Scan


@dataclass(frozen=True, slots=True)
class FollowUp:
    certification_id: int
    product_name: str
    producer_name: str
    province: str
    stars: int
    number: str
    valid_until: date
    status: CertificationStatus
    scans: int  # scans of its labels in the look-back window (0 for the "expiring" list)


def _follow_up(row: Any, scans: int) -> FollowUp:
    cid, name, producer, province, stars, number, until, status = row[:8]
    return FollowUp(cid, name, producer, province, stars, number, until, status, scans)


def _base() -> Any:
    return (
        select(
            Certification.id,
            Product.name,
            Producer.legal_name,
            Producer.province,
            Certification.stars,
            Certification.number,
            Certification.valid_until,
            Certification.status,
        )
        .join(Product, Certification.product_id == Product.id)
        .join(Producer, Product.producer_id == Producer.id)
    )


def expiring(session: Session, *, today: date, within_days: int = 90) -> list[FollowUp]:
    """Return active certifications ending within ``within_days`` of ``today``, soonest first."""
    query = (
        _base()
        .where(
            Certification.status == CertificationStatus.ACTIVE,
            Certification.valid_until >= today,
            Certification.valid_until <= today + timedelta(days=within_days),
        )
        .order_by(Certification.valid_until, Certification.id)
    )
    return [_follow_up(row, 0) for row in session.execute(query).all()]


def ended_but_scanned(session: Session, *, today: date, since: datetime) -> list[FollowUp]:
    """Return ended (past date or withdrawn) certifications whose labels were scanned since
    ``since``, most scanned first."""
    scans = (
        select(Label.certification_id.label("cid"), func.count().label("n"))
        .join(Scan, Scan.label_id == Label.id)
        .where(Scan.at >= since)
        .group_by(Label.certification_id)
        .subquery()
    )
    query = (
        _base()
        .add_columns(scans.c.n)
        .join(scans, scans.c.cid == Certification.id)
        .where(or_(Certification.valid_until < today, Certification.status == CertificationStatus.WITHDRAWN))
        .order_by(scans.c.n.desc(), Certification.id)
    )
    return [_follow_up(row, int(row[8])) for row in session.execute(query).all()]

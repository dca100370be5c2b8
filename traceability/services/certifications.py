"""OCOP certifications: rating, re-rating and withdrawal. History is kept, never overwritten."""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from .. import validate
from ..enums import LEVEL_FOR_STARS, CertificationStatus, IssuingLevel
from ..exc import Conflict, NotFound, StateError, ValidationError
from ..models import Certification
from . import audit
from .producers import get_product

VALIDITY_MONTHS = 36


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months``, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_valid_until(issued_on: date) -> date:
    """Return the default end of validity: 36 months after the decision date."""
    return add_months(issued_on, VALIDITY_MONTHS)


def certify(
    session: Session,
    *,
    actor: str,
    product_id: int,
    stars: int,
    number: str,
    issued_on: date,
    level: IssuingLevel | str | None = None,
    valid_until: date | None = None,
) -> Certification:
    """Record a recognition decision (first rating or re-rating) and return it.

    The level defaults to the council that awards the stars (3★ district, 4★ province, 5★
    central) and must match it. Raises :class:`NotFound`, :class:`ValidationError`,
    :class:`Conflict` (number already used for this product).
    """
    product = get_product(session, product_id)
    chosen = _council(stars, level)
    if not isinstance(issued_on, date):
        raise ValidationError("issued_on", "must be a date")
    until = valid_until or default_valid_until(issued_on)
    if until <= issued_on:
        raise ValidationError("valid_until", "must be after the decision date")
    clean_number = _new_number(session, product.id, number)
    certification = Certification(
        product=product,
        stars=stars,
        number=clean_number,
        level=chosen,
        issued_on=issued_on,
        valid_until=until,
    )
    session.add(certification)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certification.create",
        entity="certification",
        entity_id=certification.id,
        summary=f"{stars}★ for {product.name} (decision {clean_number}), valid until {until.isoformat()}",
        detail={
            "product_id": product.id,
            "stars": stars,
            "level": chosen.value,
            "product": product.name,
            "number": clean_number,
            "valid_until": until.isoformat(),
        },
    )
    return certification


def _council(stars: int, level: IssuingLevel | str | None) -> IssuingLevel:
    """Return the issuing level for ``stars``: ``level`` if given, which must be the council
    that awards them. Raises :class:`ValidationError` (stars not 3-5, or another council)."""
    if isinstance(stars, bool) or not isinstance(stars, int) or stars not in LEVEL_FOR_STARS:
        raise ValidationError("stars", "OCOP recognises 3, 4 or 5 stars")
    expected = LEVEL_FOR_STARS[stars]
    chosen = expected if level is None else validate.choice("level", level, IssuingLevel)
    if chosen is not expected:
        raise ValidationError(
            "level",
            "%(stars)d★ is awarded by the %(expected)s council, not %(chosen)s",
            stars=stars,
            expected=expected.value,
            chosen=chosen.value,
        )
    return chosen


def _new_number(session: Session, product_id: int, number: str) -> str:
    """Return the decision number, checked. Raises :class:`ValidationError` (empty or too
    long), :class:`Conflict` (already recorded for this product)."""
    clean_number = validate.required_text("number", number, max_length=100)
    if session.scalar(
        select(Certification.id).where(
            Certification.product_id == product_id, Certification.number == clean_number
        )
    ):
        raise Conflict(
            "certification",
            clean_number,
            "decision %(number)s is already recorded for this product",
            number=clean_number,
        )
    return clean_number


def withdraw(session: Session, *, actor: str, certification_id: int, reason: str, on: date) -> Certification:
    """End a certification early and return it. Its labels then verify as ``expired``.

    Raises :class:`NotFound`, :class:`ValidationError` (empty reason), :class:`StateError`
    (already withdrawn).
    """
    certification = session.get(Certification, certification_id)
    if certification is None:
        raise NotFound("certification", certification_id)
    if certification.status is CertificationStatus.WITHDRAWN:
        raise StateError("certification", certification_id, "this certification is already withdrawn")
    certification.status = CertificationStatus.WITHDRAWN
    certification.withdrawn_on = on
    certification.withdrawn_reason = validate.required_text("reason", reason, max_length=2000)
    audit.record(
        session,
        actor=actor,
        action="certification.withdraw",
        entity="certification",
        entity_id=certification.id,
        summary=f"Withdrew decision {certification.number}: {certification.withdrawn_reason}",
        detail={"number": certification.number, "reason": certification.withdrawn_reason},
    )
    return certification


def in_force_on(day: date) -> tuple[ColumnElement[bool], ...]:
    """Return the conditions of a certification in force on ``day``: active, issued on or
    before it, valid until it or later. The one definition every query uses."""
    return (
        Certification.status == CertificationStatus.ACTIVE,
        Certification.issued_on <= day,
        Certification.valid_until >= day,
    )


def current_certification(session: Session, product_id: int, day: date) -> Certification | None:
    """Return the product's certification in force on ``day`` (the most recent one), if any."""
    return session.scalars(
        select(Certification)
        .where(Certification.product_id == product_id, *in_force_on(day))
        .order_by(Certification.issued_on.desc(), Certification.id.desc())
    ).first()

"""Shoppers' reports of suspected fakes. Inspectors (another module) read and handle them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import validate
from ..models import Label, Report


@dataclass(frozen=True, slots=True)
class Submitted:
    """A stored report; ``replayed`` if an earlier request with the same idempotency key
    stored it and nothing new was stored now."""

    report: Report
    replayed: bool


def submit_report(
    session: Session,
    *,
    code_text: object,
    serial: int | None,
    shop: object,
    province: object,
    note: object,
    contact: object,
    photo_path: str | None,
    idempotency_key: str | None = None,
) -> Submitted:
    """Record a report with status ``new``, unless one was stored with ``idempotency_key``
    (a key checked by :func:`validate.idempotency_key`), and return it.

    Raises :class:`traceability.ValidationError` naming the field: the shop and province are
    required; everything else is optional and length-checked. A ``serial`` of a known label
    links the report to that label.
    """
    report = Report(
        code_text=validate.text("code", code_text, max_length=400, required=False),
        serial=serial,
        label_id=session.scalar(select(Label.id).where(Label.serial == serial))
        if serial is not None
        else None,
        shop=validate.required_text("shop", shop, max_length=200),
        province=validate.required_text("province", province, max_length=100),
        note=validate.text("note", note, max_length=2000, required=False),
        contact=validate.text("contact", contact, max_length=200, required=False),
        photo_path=photo_path,
        status="new",
        idempotency_key=idempotency_key,
    )
    try:
        # A savepoint: a concurrent request with the same key commits first, and this one's
        # insert then fails on the unique key without spoiling the caller's transaction.
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        earlier = by_idempotency_key(session, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return Submitted(earlier, replayed=True)
    return Submitted(report, replayed=False)


def by_idempotency_key(session: Session, key: str) -> Report | None:
    """Return the report stored with idempotency key ``key``, if any."""
    return session.scalar(select(Report).where(Report.idempotency_key == key))

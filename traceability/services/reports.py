"""Shoppers' reports of suspected fakes. Inspectors (another module) read and handle them.

A report holds what a shopper typed, perhaps a photo and their contact: personal data under
Decree 13/2023/NĐ-CP. The form's privacy notice says it is kept no longer than
:data:`KEPT_MONTHS` months after it was sent and then deleted; :func:`purge` does that.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import validate
from ..models import Label, Report
from . import audit

# How long a report is kept, as the privacy notice on the form states.
KEPT_MONTHS = 24


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


@dataclass(frozen=True, slots=True)
class Purged:
    """What :func:`purge` deleted: how many reports, and the names of their stored photos
    (files in the upload folder, which the caller removes before committing)."""

    count: int
    photos: tuple[str, ...]
    cutoff: datetime


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same time ``months`` calendar months earlier (the 31st becomes the last day
    of a shorter month)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def purge(session: Session, *, actor: str, now: datetime) -> Purged:
    """Delete, in the caller's transaction, every report sent more than :data:`KEPT_MONTHS`
    months before ``now`` (its contact, note, photo name, all of it), with one audit entry
    naming how many and their ids; return what was deleted. Nothing is deleted or logged when
    no report is that old. The rows are locked first, so an inspector's decision on one of
    them waits and then finds it gone."""
    cutoff = months_before(now, KEPT_MONTHS)
    rows = session.execute(
        select(Report.id, Report.photo_path)
        .where(Report.created_at < cutoff)
        .order_by(Report.id)
        .with_for_update()
    ).all()
    if not rows:
        return Purged(0, (), cutoff)
    ids = [row.id for row in rows]
    session.execute(delete(Report).where(Report.id.in_(ids)).execution_options(synchronize_session=False))
    audit.record(
        session,
        actor=actor,
        action="report.purge",
        entity="report",
        entity_id=ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}",
        summary=f"Deleted {len(ids)} reports sent before {cutoff.date().isoformat()}",
        detail={"count": len(ids), "ids": ids, "before": cutoff.isoformat(), "months": KEPT_MONTHS},
    )
    return Purged(len(ids), tuple(row.photo_path for row in rows if row.photo_path), cutoff)

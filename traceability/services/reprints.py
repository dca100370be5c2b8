"""The registry side of a reprint: a lot's recorded labels read back (streamed, by number
range), what a range holds, and the reprint's audit entry. The checks that refuse a reprint
live in :mod:`usecases.reprinting`; these functions only read and write."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..enums import RecordStatus
from ..models import Certification, Label
from . import audit


@dataclass(frozen=True, slots=True)
class RecordedLabel:
    """A recorded label, as a reprint needs it."""

    number: int
    serial: int
    key_id: str
    status: RecordStatus
    stars: int
    certified_until: date


def _in_range(lot_id: int, first: int | None, last: int | None) -> list[ColumnElement[bool]]:
    """Conditions selecting the lot's labels numbered ``first..last`` (either end open)."""
    conditions = [Label.lot_id == lot_id]
    if first is not None:
        conditions.append(Label.number >= first)
    if last is not None:
        conditions.append(Label.number <= last)
    return conditions


def lot_labels(
    session: Session,
    *,
    lot_id: int,
    first: int | None = None,
    last: int | None = None,
    active_only: bool = False,
    batch: int = 1000,
) -> Iterator[RecordedLabel]:
    """Yield the lot's labels in number order, optionally only numbers ``first..last`` and only
    active ones, streamed from the database ``batch`` rows at a time."""
    query = (
        select(
            Label.number,
            Label.serial,
            Label.key_id,
            Label.status,
            Certification.stars,
            Certification.valid_until,
        )
        .join(Certification, Label.certification_id == Certification.id)
        .where(*_in_range(lot_id, first, last))
        .order_by(Label.number)
    )
    if active_only:
        query = query.where(Label.status == RecordStatus.ACTIVE)
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield RecordedLabel(row.number, row.serial, row.key_id, row.status, row.stars, row.valid_until)


@dataclass(frozen=True, slots=True)
class RangeSummary:
    """How many labels of a lot's number range are active or revoked, and the ratings the
    active ones carry."""

    active: int
    revoked: int
    stars: frozenset[int]


def range_summary(session: Session, *, lot_id: int, first: int | None, last: int | None) -> RangeSummary:
    """Return the counts and star ratings of the lot's labels numbered ``first..last``."""
    rows = session.execute(
        select(Label.status, Certification.stars, func.count())
        .join(Certification, Label.certification_id == Certification.id)
        .where(*_in_range(lot_id, first, last))
        .group_by(Label.status, Certification.stars)
    ).all()
    active = sum(n for status, _, n in rows if status is RecordStatus.ACTIVE)
    stars = frozenset(st for status, st, _ in rows if status is RecordStatus.ACTIVE)
    return RangeSummary(active=active, revoked=sum(n for _, _, n in rows) - active, stars=stars)


def record_reprint(
    session: Session, *, actor: str, lot_id: int, lot_code: str, numbers: tuple[int, int] | None, count: int
) -> None:
    """Add the audit entry for a reprint (the same serials drawn again: worth a trace)."""
    span = f"numbers {numbers[0]}–{numbers[1]}" if numbers else "all numbers"
    audit.record(
        session,
        actor=actor,
        action="labels.reprint",
        entity="lot",
        entity_id=lot_id,
        summary=f"Reprinted {count} labels of lot {lot_code}, {span}",
        detail={"count": count, "numbers": list(numbers) if numbers else None, "code": lot_code},
    )

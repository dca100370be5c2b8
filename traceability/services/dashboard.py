"""Figures for the inspectors' dashboard and the producer portal: scans per day and verdict mix."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .. import places
from ..models import Label, Lot, Product, Scan


def _producer_labels(producer_id: int) -> Select[int]:
    return (
        select(Label.id)
        .join(Lot, Label.lot_id == Lot.id)
        .join(Product, Lot.product_id == Product.id)
        .where(Product.producer_id == producer_id)
    )


def scans_per_day(
    session: Session, *, since: datetime, producer_id: int | None = None
) -> list[tuple[date, int]]:
    """Return (day, scans) for every day from ``since`` to today (UTC), zero-filled."""
    day = func.date(Scan.at)
    query = select(day, func.count()).where(Scan.at >= since).group_by(day)
    if producer_id is not None:
        query = query.where(Scan.label_id.in_(_producer_labels(producer_id)))
    counts = {date.fromisoformat(str(d)[:10]): int(n) for d, n in session.execute(query).all()}
    start, end = since.date(), datetime.now(since.tzinfo).date()
    return [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0))
        for i in range((end - start).days + 1)
    ]


def verdict_mix(
    session: Session, *, since: datetime, producer_id: int | None = None
) -> list[tuple[str, int]]:
    """Return (verdict, scans) since ``since``, most first."""
    query = select(Scan.verdict, func.count()).where(Scan.at >= since).group_by(Scan.verdict)
    if producer_id is not None:
        query = query.where(Scan.label_id.in_(_producer_labels(producer_id)))
    return sorted(((v, int(n)) for v, n in session.execute(query).all()), key=lambda kv: (-kv[1], kv[0]))


def scans_by_area(session: Session, *, since: datetime, producer_id: int) -> list[tuple[str, int]]:
    """Return (area, scans) of the producer's labels since ``since``, most first."""
    query = (
        select(Scan.area, func.count())
        .where(Scan.at >= since, Scan.label_id.in_(_producer_labels(producer_id)))
        .group_by(Scan.area)
    )
    return sorted(
        # Areas are province codes of located checks; scans without one are counted as "".
        ((places.name(a) or "", int(n)) for a, n in session.execute(query).all()),
        key=lambda kv: (-kv[1], kv[0]),
    )

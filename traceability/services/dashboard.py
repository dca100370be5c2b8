"""Figures for the admin and inspector dashboards and the producer portal. Days are calendar
days on the programme's clock (``zone``), not UTC: a scan at 01:00 in Việt Nam counts for
that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.orm import Session

from .. import places
from ..models import Certification, Label, Lot, Product, Report, Revocation, Scan
from . import suspects
from .casework import OPEN
from .certifications import in_force_on


def _producer_labels(producer_id: int) -> Select[int]:
    return (
        select(Label.id)
        .join(Lot, Label.lot_id == Lot.id)
        .join(Product, Lot.product_id == Product.id)
        .where(Product.producer_id == producer_id)
    )


def _local_day(session: Session, zone: ZoneInfo, since: datetime) -> ColumnElement[Any]:
    """Return SQL for the local calendar day of ``Scan.at``. SQLite has no zone database, so
    it shifts by the zone's offset at ``since`` (Việt Nam keeps one offset all year)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, Scan.at))
    offset = since.astimezone(zone).utcoffset() or timedelta(0)
    return func.date(Scan.at, f"{int(offset.total_seconds())} seconds")


def scans_per_day(
    session: Session, *, since: datetime, zone: ZoneInfo, producer_id: int | None = None
) -> list[tuple[date, int]]:
    """Return (local day, scans) for every day from ``since`` to today, zero-filled."""
    day = _local_day(session, zone, since)
    query = select(day, func.count()).where(Scan.at >= since).group_by(day)
    if producer_id is not None:
        query = query.where(Scan.label_id.in_(_producer_labels(producer_id)))
    counts = {date.fromisoformat(str(d)[:10]): int(n) for d, n in session.execute(query).all()}
    start, end = since.astimezone(zone).date(), datetime.now(zone).date()
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


@dataclass(frozen=True, slots=True)
class OfficeFigures:
    """What a coordination office reports on. ``certified`` maps (stars, group) to the number
    of products with a certification in force on ``today``; ``revocations_by_reason`` counts
    revocations still in force and the labels they hit."""

    today: date
    certified: dict[tuple[int, str], int]
    ending_90_days: int
    labels_issued: int
    labels_issued_week: int
    scans_week: int
    verdicts_week: list[tuple[str, int]]
    open_reports: int
    clone_suspects: int
    revocations_by_reason: list[tuple[str, int, int]]

    @property
    def certified_total(self) -> int:
        """Return the number of products certified today (a product holds one rating)."""
        return sum(self.certified.values())

    def certified_by_stars(self) -> list[tuple[int, int]]:
        """Return (stars, products) for 3, 4 and 5 stars."""
        return [(s, sum(n for (st, _), n in self.certified.items() if st == s)) for s in (3, 4, 5)]


def office_figures(
    session: Session, *, today: date, week_start: datetime, suspects_since: datetime
) -> OfficeFigures:
    """Return the admin dashboard's figures: ``week_start`` starts the 7-day window of labels,
    scans and verdicts; clone suspects are counted from scans since ``suspects_since`` (the
    suspects page's window, so the two agree)."""
    in_force = in_force_on(today)
    certified = {
        (int(stars), str(group.value if hasattr(group, "value") else group)): int(n)
        for stars, group, n in session.execute(
            select(Certification.stars, Product.group, func.count(distinct(Product.id)))
            .join(Product, Certification.product_id == Product.id)
            .where(*in_force)
            .group_by(Certification.stars, Product.group)
        ).all()
    }
    ending = session.scalar(
        select(func.count())
        .select_from(Certification)
        .where(*in_force, Certification.valid_until <= today + timedelta(days=90))
    )
    revoked = session.execute(
        select(Revocation.reason, func.count(), func.coalesce(func.sum(Revocation.label_count), 0))
        .where(Revocation.reinstated_at.is_(None))
        .group_by(Revocation.reason)
    ).all()
    return OfficeFigures(
        today=today,
        certified=certified,
        ending_90_days=int(ending or 0),
        labels_issued=int(session.scalar(select(func.count()).select_from(Label)) or 0),
        labels_issued_week=int(
            session.scalar(select(func.count()).select_from(Label).where(Label.issued_at >= week_start)) or 0
        ),
        scans_week=int(
            session.scalar(select(func.count()).select_from(Scan).where(Scan.at >= week_start)) or 0
        ),
        verdicts_week=verdict_mix(session, since=week_start),
        open_reports=int(
            session.scalar(select(func.count()).select_from(Report).where(Report.status.in_(OPEN))) or 0
        ),
        clone_suspects=len(suspects.ranked(session, since=suspects_since, limit=10_000)),
        revocations_by_reason=sorted(
            ((str(getattr(r, "value", r)), int(n), int(labels)) for r, n, labels in revoked),
            key=lambda t: (-t[2], t[0]),
        ),
    )

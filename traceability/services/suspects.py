"""Clone suspects: labels whose scans look like one genuine code copied onto many items.

Signals: many distinct sources (keyed IP hashes), many areas, too many scans, and scratch-off
secrets claimed more than once. Each adds to a score; the highest scores come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import places, validate
from ..enums import RecordStatus, RevocationReason, RevocationTarget
from ..exc import NotFound
from ..models import Label, Lot, Producer, Product, Scan
from . import revocations

# A genuine item is scanned a few times (shop, buyer, family) from one or two places.
SOURCE_FREE, AREA_FREE, SCAN_FREE = 3, 1, 10


@dataclass(frozen=True, slots=True)
class Suspect:
    label_id: int
    serial: int
    status: RecordStatus
    product_name: str
    producer_name: str
    scans: int
    sources: int
    areas: int
    claim_attempts: int
    first_scan: datetime | None
    last_scan: datetime | None
    score: int
    review: str | None = None  # an inspector's review: "cleared" or "confirmed" (.clonereview)


def score(scans: int, sources: int, areas: int, claim_attempts: int) -> int:
    """Return the suspicion score (0 = nothing odd). Weights favour the strongest signals."""
    return (
        3 * max(sources - SOURCE_FREE, 0)
        + 5 * max(areas - AREA_FREE, 0)
        + max(scans - SCAN_FREE, 0)
        + 20 * max(claim_attempts - 1, 0)
    )


def ranked(session: Session, *, since: datetime, limit: int = 100, min_score: int = 1) -> list[Suspect]:
    """Return labels with a score of at least ``min_score`` from scans since ``since``, best first."""
    stats = (
        select(
            Scan.label_id.label("label_id"),
            func.count().label("scans"),
            func.count(func.distinct(Scan.source_hash)).label("sources"),
            func.count(func.distinct(Scan.area)).label("areas"),
            func.min(Scan.at).label("first_scan"),
            func.max(Scan.at).label("last_scan"),
        )
        .where(Scan.label_id.is_not(None), Scan.at >= since)
        .group_by(Scan.label_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Label.id,
            Label.serial,
            Label.status,
            Label.claim_attempts,
            Product.name,
            Producer.legal_name,
            stats.c.scans,
            stats.c.sources,
            stats.c.areas,
            stats.c.first_scan,
            stats.c.last_scan,
            Label.clone_review,
        )
        .join(Lot, Label.lot_id == Lot.id)
        .join(Product, Lot.product_id == Product.id)
        .join(Producer, Product.producer_id == Producer.id)
        .outerjoin(stats, stats.c.label_id == Label.id)
        .where(or_(stats.c.scans > 1, Label.claim_attempts > 1))
    ).all()
    found = []
    for r in rows:
        scans, sources, areas = r.scans or 0, r.sources or 0, r.areas or 0
        s = score(scans, sources, areas, r.claim_attempts)
        if s >= min_score:
            found.append(
                Suspect(
                    r.id,
                    r.serial,
                    r.status,
                    r.name,
                    r.legal_name,
                    scans,
                    sources,
                    areas,
                    r.claim_attempts,
                    r.first_scan,
                    r.last_scan,
                    s,
                    r.clone_review,
                )
            )
    found.sort(key=lambda x: (-x.score, -x.scans, x.label_id))
    return found[:limit]


def timeline(session: Session, label_id: int, *, limit: int = 500) -> Sequence[Scan]:
    """Return the label's scans, oldest first. Raises :class:`NotFound`."""
    if session.get(Label, label_id) is None:
        raise NotFound("label", label_id)
    return session.scalars(
        select(Scan).where(Scan.label_id == label_id).order_by(Scan.at, Scan.id).limit(limit)
    ).all()


def by_area(session: Session, *, since: datetime, limit: int = 100) -> list[tuple[str, int]]:
    """Return (area, number of suspect labels scanned there), most first; unknown areas as ''."""
    suspects = {s.label_id for s in ranked(session, since=since, limit=10_000)}
    if not suspects:
        return []
    counts: dict[str, int] = {}
    pairs = session.execute(
        select(Scan.area, Scan.label_id).where(Scan.label_id.in_(suspects), Scan.at >= since).distinct()
    ).all()
    for area, _label in pairs:
        name = places.name(area) or ""  # areas are province codes of located checks
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def revoke_as_counterfeit(session: Session, *, actor: str, label_id: int, note: str) -> int:
    """Revoke the label as counterfeit (note required) and return the revocation id.

    Raises :class:`NotFound`, :class:`ValidationError`.
    """
    label = session.get(Label, label_id)
    if label is None:
        raise NotFound("label", label_id)
    text = validate.required_text("note", note, max_length=2000)
    revocation = revocations.revoke(
        session,
        actor=actor,
        target=RevocationTarget.LABEL,
        ref={"serial": label.serial},
        reason=RevocationReason.COUNTERFEIT,
        note=text,
    )
    return revocation.id

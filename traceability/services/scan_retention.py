"""How long individual scans are kept: :data:`KEPT_MONTHS` months by default, then deleted in
batches by ``ocop scans purge`` (run it daily, as ``ocop reports purge``).

Why a limit: a scan row holds where and with what a label was checked (a keyed hash of the
client's address, its province, its kind of device), which nothing needs for ever; and the
table is the registry's largest (docs/scaling.md: ~75 M rows a year at the programme's size).

What stays: each label's own summary (its scan count, its first scan, its recent-scan summary
for the clone signals, which look back 30 days) lives on the label row, so a scan page says
the same after a purge. What needs old scans is bounded below: the staff dashboards look back
at most 366 days, so fewer than :data:`FEWEST_MONTHS` months is refused.

Each batch is its own short transaction (the caller commits it), oldest first along the index
on ``at``: a purge of millions of rows neither holds one long transaction nor blocks the scan
writer, whose rows are new. On PostgreSQL, ``DELETE`` writes every removed row to the WAL
(~190 B a row, docs/scaling.md, step 1); dropping monthly partitions is the step for a table
far larger than this.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..exc import ValidationError
from ..models import Scan
from . import audit
from .reports import months_before

KEPT_MONTHS = 24
FEWEST_MONTHS = 13  # the dashboards' longest look back is 366 days (verify_web.staff.forms)
MOST_MONTHS = 1200
BATCH = 10_000


def cutoff(now: datetime, months: int = KEPT_MONTHS) -> datetime:
    """Return the time before which scans are deleted when ``months`` are kept at ``now``.

    Raises :class:`ValidationError` (field ``keep_months``) for fewer than
    :data:`FEWEST_MONTHS` or more than :data:`MOST_MONTHS` months."""
    if not FEWEST_MONTHS <= months <= MOST_MONTHS:
        raise ValidationError(
            "keep_months",
            "keep between %(fewest)d and %(most)d months of scans (the dashboards look back up to 366 days)",
            fewest=FEWEST_MONTHS,
            most=MOST_MONTHS,
            months=months,
        )
    return months_before(now, months)


def count_before(session: Session, before: datetime) -> int:
    """Return how many scans were recorded before ``before``."""
    return session.scalar(select(func.count()).select_from(Scan).where(Scan.at < before)) or 0


def purge_batch(session: Session, *, before: datetime, limit: int = BATCH) -> int:
    """Delete, in the caller's transaction, up to ``limit`` of the oldest scans recorded
    before ``before``; return how many were deleted (fewer than ``limit``: none are left)."""
    if limit < 1:
        raise ValueError(f"a batch deletes at least one row, not {limit}")
    oldest = select(Scan.id).where(Scan.at < before).order_by(Scan.at, Scan.id).limit(limit)
    done = session.execute(delete(Scan).where(Scan.id.in_(oldest.scalar_subquery())))
    return int(done.rowcount)  # type: ignore[attr-defined]


def record_purge(session: Session, *, actor: str, before: datetime, months: int, count: int) -> None:
    """Add the audit entry of a purge that deleted ``count`` scans recorded before ``before``."""
    audit.record(
        session,
        actor=actor,
        action="scans.purge",
        entity="scans",
        entity_id="-",
        summary=f"{count} scans recorded before {before:%Y-%m-%d} deleted (kept {months} months)",
        detail={"count": count, "before": before.isoformat(), "months": months},
    )

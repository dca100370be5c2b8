"""Scan recording and what the scan log says about one label: how often and where it was
checked, and whether the pattern looks like a copied code (clone signals).

Reading the history costs the same for a label scanned once or a million times: the total
and the first scan are counters on the label (kept by :func:`record_scan`), and the clone
signals look only at the latest :data:`RECENT_LIMIT` scans inside :data:`CLONE_WINDOW`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, case, func, insert, select, true, update
from sqlalchemy.orm import Session

from ..models import Label, Scan, utcnow
from .registry_version import NEWEST_ID, RECENT_COUNT

# A genuine item is checked by one buyer, perhaps a shop and a relative: a few sources. The
# same serial seen from many sources or provinces within days means the QR was copied.
CLONE_WINDOW = timedelta(days=7)
CLONE_SOURCES = 5
CLONE_AREAS = 3
RECENT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ScanHistory:
    """The scan log of one label, including the scan being served now if it was counted.

    ``signals`` names each clone signal that fired: ``many_sources``, ``many_areas``,
    ``claimed_twice``.
    """

    count: int
    first_at: datetime | None
    first_area: str | None
    recent_sources: int
    recent_areas: int
    signals: tuple[str, ...]

    @property
    def clone_suspected(self) -> bool:
        return bool(self.signals)


_INSERT = insert(Scan)
_COUNT = (
    update(Label)
    .where(Label.id == bindparam("label_id"))
    .values(
        scan_count=Label.scan_count + bindparam("n"),
        # SET reads the old row, so the first scan's time and area are written exactly once.
        first_scan_area=case(
            (Label.first_scanned_at.is_(None), bindparam("area")), else_=Label.first_scan_area
        ),
        first_scanned_at=func.coalesce(
            Label.first_scanned_at, bindparam("at", type_=Label.first_scanned_at.type)
        ),
    )
)


def scan_row(
    *,
    serial: int | None,
    label_id: int | None,
    verdict: str,
    channel: str,
    area: str | None,
    device: str | None,
    source_hash: str | None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Return one scan as a row for :func:`record_scans`, truncated to the column sizes so
    that recording never fails on odd input."""
    return {
        "at": at or utcnow(),
        "serial": serial,
        "label_id": label_id,
        "verdict": verdict[:20],
        "channel": channel[:10],
        "area": area[:100] if area else None,
        "device": device[:40] if device else None,
        "source_hash": source_hash[:32] if source_hash else None,
    }


def record_scans(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert scan rows (from :func:`scan_row`) and count them on their labels, in the caller's
    transaction: one multi-row INSERT and one counter UPDATE per label."""
    if not rows:
        return
    per_label: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["at"]):
        label_id = row["label_id"]
        if label_id is None:
            continue
        if label_id in per_label:
            per_label[label_id]["n"] += 1
        else:
            per_label[label_id] = {"label_id": label_id, "n": 1, "area": row["area"], "at": row["at"]}
    # Core statements on the session's connection: same transaction, no ORM bookkeeping.
    connection = session.connection()
    connection.execute(_INSERT, list(rows))
    if per_label:
        connection.execute(_COUNT, list(per_label.values()))


def record_scan(session: Session, **fields: Any) -> None:
    """Record one scan (keyword arguments of :func:`scan_row`) in the caller's transaction."""
    record_scans(session, [scan_row(**fields)])


def _history_statement() -> Select[Any]:
    # Built once: the verify path then skips statement construction and hits the compiled cache.
    label_id: BindParameter[int] = bindparam("label_id")
    recent = (
        select(Scan.source_hash, Scan.area)
        .where(Scan.label_id == label_id, Scan.at >= bindparam("since", type_=Scan.at.type))
        .order_by(Scan.at.desc())
        .limit(RECENT_LIMIT)
        .subquery()
    )
    # One pass over the recent scans (a one-row derived table), joined to the label's counters.
    recent_stats = (
        select(
            func.count(func.distinct(recent.c.source_hash)).label("sources"),
            func.count(func.distinct(recent.c.area)).label("areas"),
            func.count(case((recent.c.source_hash == bindparam("source"), 1))).label("source_seen"),
            func.count(case((recent.c.area == bindparam("area"), 1))).label("area_seen"),
        )
        .select_from(recent)
        .subquery()
    )
    return (
        select(
            Label.scan_count,
            Label.first_scanned_at,
            Label.first_scan_area,
            Label.claim_attempts,
            recent_stats.c.sources,
            recent_stats.c.areas,
            recent_stats.c.source_seen,
            recent_stats.c.area_seen,
        )
        .select_from(Label)
        .join(recent_stats, true())  # a one-row table: the cross join is intended
        .where(Label.id == label_id)
    )


_HISTORY = _history_statement()
_HISTORY_AND_VERSION = _HISTORY.add_columns(NEWEST_ID, RECENT_COUNT)


def scan_history(
    session: Session,
    label_id: int,
    *,
    now: datetime | None = None,
    current_source: str | None = None,
    current_area: str | None = None,
    count_current: bool = False,
) -> ScanHistory:
    """Return the label's scan history in one query (a label that does not exist has none).

    With ``count_current`` the scan being served now (not yet written) is included, with its
    ``current_source`` and ``current_area``, so the page can say "scanned N times" at once.
    """
    params = _params(label_id, now, current_source, current_area)
    row = session.connection().execute(_HISTORY, params).first()
    if row is None:
        return ScanHistory(0, None, None, 0, 0, ())
    return _history(tuple(row), params, count_current)


def scan_history_and_version(
    session: Session,
    label_id: int,
    *,
    current_source: str | None = None,
    current_area: str | None = None,
    count_current: bool = False,
) -> tuple[ScanHistory, tuple[int, int]] | None:
    """Return the label's scan history and the registry version
    (:func:`.registry_version.registry_version`) read in one statement, or ``None`` if the
    label does not exist. The verify path's cache check and history cost one round trip."""
    params = _params(label_id, None, current_source, current_area)
    row = session.connection().execute(_HISTORY_AND_VERSION, params).first()
    if row is None:
        return None
    *history, newest, recent = tuple(row)
    return _history(tuple(history), params, count_current), (int(newest or 0), int(recent))


def _params(
    label_id: int, now: datetime | None, current_source: str | None, current_area: str | None
) -> dict[str, Any]:
    moment = now or utcnow()
    return {
        "label_id": label_id,
        "now": moment,
        "since": moment - CLONE_WINDOW,
        "source": current_source or "",
        "area": current_area or "",
    }


def _history(row: tuple[Any, ...], params: dict[str, Any], count_current: bool) -> ScanHistory:
    count, first_at, first_area, claims, sources, areas, source_seen, area_seen = row
    if count_current:
        sources += 1 if params["source"] and not source_seen else 0
        areas += 1 if params["area"] and not area_seen else 0
        if count == 0:
            first_at, first_area = params["now"], params["area"] or None
        count += 1
    signals = []
    if sources >= CLONE_SOURCES:
        signals.append("many_sources")
    if areas >= CLONE_AREAS:
        signals.append("many_areas")
    if (claims or 0) > 1:
        signals.append("claimed_twice")
    return ScanHistory(int(count), first_at, first_area, int(sources), int(areas), tuple(signals))


def count_scans(session: Session, *, label_id: int | None = None) -> int:
    """Return how many scans are recorded (for one label, or all)."""
    query = select(func.count(Scan.id))
    if label_id is not None:
        query = query.where(Scan.label_id == label_id)
    return session.scalar(query) or 0

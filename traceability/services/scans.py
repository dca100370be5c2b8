"""Scan recording: the scans table and, on each label row, the counts and recent-scan summary
that a label's history (how often and where it was checked, clone signals) is read from.

:mod:`.label_scans` reads that history in one primary-key read, however often the label was
scanned. The writer of scans (:func:`record_scans`) keeps on the label row the total, the
first scan, and a summary of the recent scans: the distinct sources and areas among the
latest :data:`RECENT_LIMIT` scans inside :data:`CLONE_WINDOW`, counted up to the clone
thresholds (which is all the signals need), and the time of the oldest scan looked at
(:mod:`.recent_scans` holds that summary and the thresholds). The summary stays exact until
that oldest scan leaves the window; a reader that finds it expired computes it from the scans
instead (:func:`.label_scans.scan_history`), and the next write stores it afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session

from ..batched import BatchInsert, BatchUpdate
from ..models import Label, Scan, utcnow
from . import clones
from .recent_scans import (
    CLONE_SOURCES,
    CLONE_WINDOW,
    RECENT_LIMIT,
    RecentScans,
    adding,
    read_recent,
)

# The source hash is keyed per SOURCE_PERIOD (verify_web.hotpath.scan_recorder), so one buyer
# re-checking on many days is one source (docs/clone-signals.md has the data).
SOURCE_PERIOD = timedelta(days=30)


# The writer's two statements a batch: its scans, and its labels' counts and summaries (one
# statement each on PostgreSQL; see traceability.batched).
_INSERT = BatchInsert(
    Scan.metadata.tables["scans"],
    ("at", "serial", "label_id", "verdict", "channel", "area", "claimed_area", "device", "source_hash"),
)
_STORE = BatchUpdate(
    Label.metadata.tables["labels"],
    (
        "id",
        "scan_count",
        "first_scanned_at",
        "first_scan_area",
        "recent_sources",
        "recent_areas",
        "recent_oldest",
    ),
)
# The labels a batch touches, locked before its scans are inserted, in id order, and FOR NO
# KEY UPDATE (see record_scans). SQLite's writer holds the whole database instead.
_LOCK = (
    select(
        Label.id,
        Label.scan_count,
        Label.first_scanned_at,
        Label.first_scan_area,
        Label.recent_sources,
        Label.recent_areas,
        Label.recent_oldest,
        Label.clone_signal,
        *clones.REVIEW_COLUMNS,
    )
    .where(Label.id.in_(bindparam("ids", expanding=True)))
    .order_by(Label.id)
    .with_for_update(key_share=True)
)


def source_period(at: datetime) -> int:
    """Return the number of the source-hash period that ``at`` falls in (days since year 1
    divided by :data:`SOURCE_PERIOD`); the web keys its source hashes by this number."""
    return at.date().toordinal() // SOURCE_PERIOD.days


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
    claimed_area: str | None = None,
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
        "claimed_area": claimed_area[:100] if claimed_area else None,
        "device": device[:40] if device else None,
        "source_hash": source_hash[:32] if source_hash else None,
    }


def record_scans(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime | None = None) -> None:
    """Insert scan rows (from :func:`scan_row`) in the caller's transaction, count them on their
    labels and store each label's recent-scan summary (see the module docstring).

    Lock order (PostgreSQL): the batch's labels are locked first, in id order, with ``FOR NO
    KEY UPDATE``, and only then are the scans inserted. The scans' foreign key takes ``KEY
    SHARE`` on their labels, which ``NO KEY UPDATE`` does not conflict with, so the only lock
    writers wait for is the label row, always taken in the same order: no cycle, no deadlock
    (inserting first and then locking ``FOR UPDATE`` deadlocked two writers on every shared
    label: each held the KEY SHARE the other's FOR UPDATE waited for). Revocations lock their
    labels the same way (:func:`.labels.lock_labels`).

    The lock also means a concurrent writer's counts, summary and scans are committed and
    visible before anything is derived from them, and each label is written once. A label
    scanned for the first time, or with at most :data:`RECENT_LIMIT` scans and a summary still
    valid, gets the new scans added to it (an empty one for the first); any other label's
    summary is read again from the scans table (only from an inspector's clearing on, see
    :mod:`.clonereview`). A label whose summary holds
    :data:`.clones.BURST_MONTH_SOURCES` networks or more (but fewer than
    :data:`CLONE_SOURCES`) and no kept signal is judged by :func:`.clones.judge`, and a signal
    that fires is kept on its row.

    Raises :class:`sqlalchemy.exc.IntegrityError` for a row naming a label that does not exist.
    """
    if not rows:
        return
    scanned: dict[int, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["at"]):
        if row["label_id"] is not None:
            scanned.setdefault(row["label_id"], []).append(row)
    # Core statements on the session's connection: same transaction, no ORM bookkeeping.
    connection = session.connection()
    stored = connection.execute(_LOCK, {"ids": sorted(scanned)}).all() if scanned else []
    _INSERT.execute(connection, rows)
    if not stored:
        return
    moment = now or utcnow()
    updates, signals = [], []
    for label_id, count, first_at, first_area, sources, areas, oldest, signal, review, reviewed in stored:
        batch = scanned[label_id]
        cleared = clones.cleared_since(review, reviewed)
        kept = RecentScans.stored(sources, areas, oldest, moment)
        recent = _recent_after(connection, label_id, batch, kept, count + len(batch), moment, cleared)
        if first_at is None:
            first_at, first_area = batch[0]["at"], batch[0]["area"]
        updates.append(
            {
                "id": label_id,
                "scan_count": count + len(batch),
                "first_scanned_at": first_at,
                "first_scan_area": first_area,
                "recent_sources": list(recent.sources),
                "recent_areas": list(recent.areas),
                "recent_oldest": recent.oldest,
            }
        )
        # The signals that count networks need the scans' times; only a label near the
        # many_sources threshold is read again (at CLONE_SOURCES that signal shows anyway).
        near = clones.BURST_MONTH_SOURCES <= len(recent.sources) < CLONE_SOURCES
        if signal is None and near and (found := clones.judge(session, label_id, moment, cleared)):
            signals.append((label_id, found))
    _STORE.execute(connection, updates)
    for label_id, found in signals:
        connection.execute(update(Label).where(Label.id == label_id).values(**found))


def _recent_after(
    connection: Connection,
    label_id: int,
    batch: Sequence[dict[str, Any]],
    kept: RecentScans | None,
    count: int,
    moment: datetime,
    cleared: datetime | None,
) -> RecentScans:
    """Return the label's summary with ``batch`` in it: added to the ``kept`` one while that is
    valid and the label has at most :data:`RECENT_LIMIT` scans (``count``, the batch
    included), else read from the scans table, which already holds the batch's rows."""
    if kept is None and count == len(batch):
        # The label's first scans: nothing to read, its summary is the batch's. Most labels
        # are scanned once or twice, so on real traffic this spares nearly every label the
        # summary's two statements (docs/performance.md, "Verify site, 2026-12-01 evening":
        # writer threads 0.44 → 0.11 cores at ~750 first scans/s on PostgreSQL).
        kept = _NONE_YET
    if kept is not None and count <= RECENT_LIMIT:
        return adding(kept, batch, moment - CLONE_WINDOW)
    return read_recent(connection, label_id, moment, cleared)


_NONE_YET = RecentScans((), (), None)


def record_scan(session: Session, **fields: Any) -> None:
    """Record one scan (keyword arguments of :func:`scan_row`) in the caller's transaction."""
    record_scans(session, [scan_row(**fields)])


def count_scans(session: Session, *, label_id: int | None = None) -> int:
    """Return how many scans are recorded (for one label, or all)."""
    query = select(func.count(Scan.id))
    if label_id is not None:
        query = query.where(Scan.label_id == label_id)
    return session.scalar(query) or 0

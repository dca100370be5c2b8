"""Scan recording and what the scan log says about one label: how often and where it was
checked, and whether the pattern looks like a copied code (clone signals).

Reading the history is one primary-key read, however often the label was scanned. The writer
of scans (:func:`record_scans`) keeps on the label row the total, the first scan, and a
summary of the recent scans: the distinct sources and areas among the latest
:data:`RECENT_LIMIT` scans inside :data:`CLONE_WINDOW`, counted up to the clone thresholds
(which is all the signals need), and the time of the oldest scan looked at. The summary stays
exact until that oldest scan leaves the window; a reader that finds it expired computes it
from the scans instead (:func:`scan_history`), and the next write stores it afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, literal, select, union_all, update
from sqlalchemy.orm import Session

from ..models import Label, Scan, utcnow
from ..prepared import PreparedInsert, PreparedRead
from . import clones
from .registry_version import NEWEST_ID, RECENT_COUNT

# One item is checked from a few networks in a month (a shop, shoppers' phones, the buyer's
# phone, the home Wi-Fi, a relative); many more within 30 days means many items carry the
# code. The source hash is keyed per SOURCE_PERIOD (verify_web.hotpath.scan_recorder), so one buyer
# re-checking on many days is one source (docs/clone-signals.md has the data).
CLONE_WINDOW = timedelta(days=30)
CLONE_SOURCES = 8
SOURCE_PERIOD = timedelta(days=30)
CLONE_AREAS = 3
RECENT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ScanHistory:
    """The scan log of one label, including the scan being served now if it was counted.

    ``recent_sources`` and ``recent_areas`` count distinct sources and located provinces in
    the clone window up to :data:`CLONE_SOURCES` and :data:`CLONE_AREAS`; more is reported as
    that number. ``first_area`` is the province code of the first scan, if it was located.
    ``signals`` names each clone signal that fired: ``many_sources``, ``claimed_twice`` and
    those of :mod:`.clones`. ``claimed_at`` is when the item was first claimed (activated).
    """

    count: int
    first_at: datetime | None
    first_area: str | None
    recent_sources: int
    recent_areas: int
    signals: tuple[str, ...]
    claimed_at: datetime | None = None

    @property
    def clone_suspected(self) -> bool:
        return bool(self.signals)


@dataclass(frozen=True, slots=True)
class RecentScans:
    """Distinct sources and areas among a label's recent scans — all of them, or any
    :data:`CLONE_SOURCES` / :data:`CLONE_AREAS` of them when there are more (enough to decide
    the signals), sorted — and the time of the oldest scan looked at (``None``: none)."""

    sources: tuple[str, ...]
    areas: tuple[str, ...]
    oldest: datetime | None

    @classmethod
    def stored(
        cls, sources: list[str] | None, areas: list[str] | None, oldest: datetime | None, now: datetime
    ) -> RecentScans | None:
        """The summary kept on a label row, or ``None`` if it was never written (a label
        scanned before revision 0004) or a scan it was drawn from has left the clone window."""
        if sources is None or (oldest is not None and oldest < now - CLONE_WINDOW):
            return None
        return cls(tuple(sources), tuple(areas or ()), oldest)


# The writer's insert of a batch of scans, straight to the driver (see traceability.prepared).
_INSERT = PreparedInsert(
    Scan.metadata.tables["scans"],
    ("at", "serial", "label_id", "verdict", "channel", "area", "claimed_area", "device", "source_hash"),
)


def _recent_statements() -> tuple[Select[Any], Select[Any]]:
    # The database reduces the latest scans to a few rows: the distinct sources and areas
    # (as many as the thresholds), and the oldest time. Fetching the 200 rows instead costs
    # the writer a row-by-row round trip into the driver each, and the request threads of
    # its worker a GIL hand-over each.
    recent = (
        select(Scan.source_hash, Scan.area, Scan.at)
        .where(Scan.label_id == bindparam("label_id"), Scan.at >= bindparam("since", type_=Scan.at.type))
        .order_by(Scan.at.desc())
        .limit(RECENT_LIMIT)
        .subquery()
    )
    sources = (
        select(recent.c.source_hash.label("value"))
        .where(recent.c.source_hash.is_not(None))
        .distinct()
        .limit(CLONE_SOURCES)
        .subquery()
    )
    areas = (
        select(recent.c.area.label("value"))
        .where(recent.c.area.is_not(None))
        .distinct()
        .limit(CLONE_AREAS)
        .subquery()
    )
    values = union_all(
        select(literal("source").label("kind"), sources.c.value), select(literal("area"), areas.c.value)
    )
    return select(values.subquery()), select(func.min(recent.c.at))


_RECENT_VALUES, _RECENT_OLDEST = _recent_statements()
_STORE = (
    update(Label)
    .where(Label.id == bindparam("label_id"))
    .values(
        scan_count=bindparam("count"),
        first_scanned_at=bindparam("first_at", type_=Label.first_scanned_at.type),
        first_scan_area=bindparam("first_area"),
        recent_sources=bindparam("sources", type_=Label.recent_sources.type),
        recent_areas=bindparam("areas", type_=Label.recent_areas.type),
        recent_oldest=bindparam("oldest", type_=Label.recent_oldest.type),
    )
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
# What a label's history is drawn from (history_from_row takes them in this order).
HISTORY_COLUMNS = (
    Label.scan_count,
    Label.first_scanned_at,
    Label.first_scan_area,
    Label.claim_attempts,
    Label.recent_sources,
    Label.recent_areas,
    Label.recent_oldest,
    Label.claimed_at,
    Label.clone_signal,
)
# Built once, so the verify path skips statement construction and hits the compiled cache.
_LABEL = select(*HISTORY_COLUMNS).where(Label.id == bindparam("label_id"))
# The verify path's one query, run on the driver directly (see traceability.prepared).
_LABEL_AND_VERSION = PreparedRead(_LABEL.add_columns(NEWEST_ID, RECENT_COUNT))


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
    with at most :data:`RECENT_LIMIT` scans and a summary still valid gets the new scans added
    to it; any other label's summary is read again from the scans table (only from an
    inspector's clearing on, see :mod:`.clonereview`). A label whose summary holds
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
        count += len(batch)
        cleared = clones.cleared_since(review, reviewed)
        kept = RecentScans.stored(sources, areas, oldest, moment)
        if kept is not None and count <= RECENT_LIMIT:
            recent = _adding(kept, batch, moment - CLONE_WINDOW)
        else:
            recent = _read_recent(connection, label_id, moment, cleared)  # sees this batch's rows too
        if first_at is None:
            first_at, first_area = batch[0]["at"], batch[0]["area"]
        updates.append(
            {
                "label_id": label_id,
                "count": count,
                "first_at": first_at,
                "first_area": first_area,
                "sources": list(recent.sources),
                "areas": list(recent.areas),
                "oldest": recent.oldest,
            }
        )
        # The signals that count networks need the scans' times; only a label near the
        # many_sources threshold is read again (at CLONE_SOURCES that signal shows anyway).
        near = clones.BURST_MONTH_SOURCES <= len(recent.sources) < CLONE_SOURCES
        if signal is None and near and (found := clones.judge(session, label_id, moment, cleared)):
            signals.append((label_id, found))
    connection.execute(_STORE, updates)
    for label_id, found in signals:
        connection.execute(update(Label).where(Label.id == label_id).values(**found))


def _adding(recent: RecentScans, rows: Sequence[dict[str, Any]], since: datetime) -> RecentScans:
    """The summary with ``rows`` (scans of the same label, not yet in it) added: exact while the
    label has no more than RECENT_LIMIT scans, as then its recent scans are all its scans."""
    inside = [row for row in rows if row["at"] >= since]
    if not inside:
        return recent
    sources = set(recent.sources)
    areas = set(recent.areas)
    for row in inside:
        if row["source_hash"] and len(sources) < CLONE_SOURCES:
            sources.add(row["source_hash"])
        if row["area"] and len(areas) < CLONE_AREAS:
            areas.add(row["area"])
    first = min(row["at"] for row in inside)
    oldest = first if recent.oldest is None else min(recent.oldest, first)
    return RecentScans(tuple(sorted(sources)), tuple(sorted(areas)), oldest)


def record_scan(session: Session, **fields: Any) -> None:
    """Record one scan (keyword arguments of :func:`scan_row`) in the caller's transaction."""
    record_scans(session, [scan_row(**fields)])


def _read_recent(
    connection: Connection, label_id: int, now: datetime, cleared: datetime | None = None
) -> RecentScans:
    """Summarise the label's latest scans inside the clone window (and after ``cleared``, when
    an inspector cleared the label), from the scans table."""
    since = now - CLONE_WINDOW if cleared is None else max(now - CLONE_WINDOW, cleared)
    params = {"label_id": label_id, "since": since}
    values = connection.execute(_RECENT_VALUES, params).all()
    oldest = connection.execute(_RECENT_OLDEST, params).scalar()
    return RecentScans(
        tuple(sorted(value for kind, value in values if kind == "source")),
        tuple(sorted(value for kind, value in values if kind == "area")),
        oldest,
    )


def scan_history(
    session: Session,
    label_id: int,
    *,
    now: datetime | None = None,
    current_source: str | None = None,
    current_area: str | None = None,
    count_current: bool = False,
) -> ScanHistory:
    """Return the label's scan history (a label that does not exist has none).

    With ``count_current`` the scan being served now (not yet written) is included, with its
    ``current_source`` and ``current_area``, so the page can say "scanned N times" at once.
    One primary-key read, plus a read of the recent scans when the stored summary expired.
    """
    connection = session.connection()
    row = connection.execute(_LABEL, {"label_id": label_id}).first()
    if row is None:
        return ScanHistory(0, None, None, 0, 0, (), None)
    return history_from_row(
        connection, label_id, tuple(row), now or utcnow(), current_source, current_area, count_current
    )


def scan_history_and_version(
    connection: Connection,
    label_id: int,
    *,
    current_source: str | None = None,
    current_area: str | None = None,
    count_current: bool = False,
) -> tuple[ScanHistory, tuple[int, int]] | None:
    """Return the label's scan history and the registry version
    (:func:`.registry_version.registry_version`) read in one statement, or ``None`` if the
    label does not exist. The verify path's cache check and history cost one round trip; it
    takes a plain connection in autocommit mode, as the verify path reads without an ORM
    session (see :mod:`traceability.prepared`; other connections raise :class:`ValueError`)."""
    row = _LABEL_AND_VERSION.first(connection, {"label_id": label_id})
    if row is None:
        return None
    *label, newest, recent = row
    history = history_from_row(
        connection, label_id, tuple(label), utcnow(), current_source, current_area, count_current
    )
    return history, (int(newest or 0), int(recent))


def history_from_row(
    connection: Connection,
    label_id: int,
    row: tuple[Any, ...],
    now: datetime,
    current_source: str | None,
    current_area: str | None,
    count_current: bool,
) -> ScanHistory:
    """Return the label's history from its :data:`HISTORY_COLUMNS` ``row`` (see
    :func:`scan_history`); the scans are read only if the stored summary has expired."""
    count, first_at, first_area, claims, stored_sources, stored_areas, oldest, claimed_at, signal = row
    if not count:
        recent = RecentScans((), (), None)
    else:
        recent = RecentScans.stored(stored_sources, stored_areas, oldest, now) or _read_recent(
            connection, label_id, now
        )
    sources, areas = len(recent.sources), len(recent.areas)
    if count_current:
        sources += 1 if current_source and current_source not in recent.sources else 0
        areas += 1 if current_area and current_area not in recent.areas else 0
        if count == 0:
            first_at, first_area = now, current_area or None
        count += 1
    sources, areas = min(sources, CLONE_SOURCES), min(areas, CLONE_AREAS)
    signals = []
    if sources >= CLONE_SOURCES:
        signals.append("many_sources")
    if signal:
        signals.append(signal)
    if (claims or 0) > 1:
        signals.append("claimed_twice")
    return ScanHistory(int(count), first_at, first_area, sources, areas, tuple(signals), claimed_at)


def count_scans(session: Session, *, label_id: int | None = None) -> int:
    """Return how many scans are recorded (for one label, or all)."""
    query = select(func.count(Scan.id))
    if label_id is not None:
        query = query.where(Scan.label_id == label_id)
    return session.scalar(query) or 0

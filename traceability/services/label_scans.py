"""What the scan log says about one label: how often and where it was checked, and whether the
pattern looks like a copied code (clone signals).

One primary-key read of the label row, however often the label was scanned: :mod:`.scans`
keeps the counts and the recent-scan summary (:mod:`.recent_scans`) there as it writes scans.
The scans themselves are read only when that summary has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ..models import Label, utcnow
from ..prepared import PreparedRead
from .recent_scans import CLONE_AREAS, CLONE_SOURCES, RecentScans, read_recent
from .registry_version import VERSION, as_version


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
_LABEL_AND_VERSION = PreparedRead(_LABEL.add_columns(VERSION))


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
) -> tuple[ScanHistory, int] | None:
    """Return the label's scan history and the registry version
    (:func:`.registry_version.registry_version`) read in one statement, or ``None`` if the
    label does not exist. The verify path's cache check and history cost one round trip; it
    takes a plain connection in autocommit mode, as the verify path reads without an ORM
    session (see :mod:`traceability.prepared`; other connections raise :class:`ValueError`)."""
    row = _LABEL_AND_VERSION.first(connection, {"label_id": label_id})
    if row is None:
        return None
    *label, version = row
    history = history_from_row(
        connection, label_id, tuple(label), utcnow(), current_source, current_area, count_current
    )
    return history, as_version(version)


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
        recent = RecentScans.stored(stored_sources, stored_areas, oldest, now) or read_recent(
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

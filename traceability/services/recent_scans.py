"""The recent-scan summary kept on each label row, and the clone thresholds it counts up to.

The summary holds the distinct sources and areas among a label's latest :data:`RECENT_LIMIT`
scans inside :data:`CLONE_WINDOW` (up to :data:`CLONE_SOURCES` / :data:`CLONE_AREAS`, which
is all the signals need) and the time of the oldest scan looked at. :mod:`.scans` stores it
when it writes scans and reads it for a label's history; this module says what it holds, how
a batch is added to it, and how it is read afresh from the scans table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, literal, select, union_all

from ..models import Scan

# One item is checked from a few networks in a month (a shop, shoppers' phones, the buyer's
# phone, the home Wi-Fi, a relative); many more within 30 days means many items carry the
# code. The source hash is keyed per SOURCE_PERIOD (verify_web.hotpath.scan_recorder), so one buyer
# re-checking on many days is one source (docs/clone-signals.md has the data).
CLONE_WINDOW = timedelta(days=30)
CLONE_SOURCES = 8
CLONE_AREAS = 3
RECENT_LIMIT = 200


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


def adding(recent: RecentScans, rows: Sequence[dict[str, Any]], since: datetime) -> RecentScans:
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


def read_recent(
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

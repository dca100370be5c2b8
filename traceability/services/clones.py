"""Clone signals: where a label's code was checked, and when that cannot be one item.

A place is only what the server can establish: a phone's own location, sent with the
shopper's consent for a scan it just served and rounded here to the province
(:mod:`traceability.places`); the coordinates are never stored. A place a caller merely
names (the API's ``province``) is kept apart and never used here.

The signals, each one sentence for an inspector (``docs/clone-signals.md`` has the data
behind the thresholds):

- ``impossible_travel``: two phones checked the code in two provinces too far apart for the
  time between the checks, even by air.
- ``back_and_forth``: the code was checked in one province, then far away, then in the first
  province again, by at least two phones, within :data:`RETURN_WINDOW` (or came back like that
  :data:`LONG_RETURNS` times within :data:`LONG_RETURN_WINDOW`).
- ``many_places``: the code was checked in :data:`MANY_PLACES` provinces far apart from each
  other within :data:`PLACE_WINDOW`, each by at least two networks (one item passes through a
  province; copies are sold there, and several people check them).
- ``sources_at_once``: :data:`BURST_SOURCES` networks checked the code within
  :data:`BURST_WINDOW`, and :data:`BURST_MONTH_SOURCES` within :data:`PLACE_WINDOW`.
- ``many_sources_far``: :data:`FAR_SOURCES` networks checked the code within
  :data:`PLACE_WINDOW`, and two of its located checks are provinces far apart.

A signal is kept on the label row once it fires (a copy, once made, does not go away), so the
verify path reads it with the label; after an inspector clears the label
(:mod:`.clonereview`), only checks made after the clearing count. ``claimed_twice`` (see
:mod:`.claims`) and ``many_sources`` (see :mod:`.scans`) come from their own counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from .. import places
from ..models import Label, Scan

PLACE_WINDOW = timedelta(days=30)
RETURN_WINDOW = timedelta(days=2)
LONG_RETURN_WINDOW = timedelta(days=14)
LONG_RETURNS = 2
PLACE_LIMIT = 200  # the latest located checks looked at
FAR_KM = 150.0
MANY_PLACES = 3
# The fastest an item travels: by road at ROAD_KMH, or by air with FLIGHT_HOURS to and from
# airports at FLIGHT_KMH. Generous on purpose: a real traveller is never faster.
ROAD_KMH = 100.0
FLIGHT_HOURS = 2.5
FLIGHT_KMH = 700.0
# One item is checked from at most a few networks within two days (its shop, a shopper, the
# buyer's phone, the home Wi-Fi); many at once, or many in a month together with two far
# provinces, is several items (docs/clone-signals.md has the data).
BURST_WINDOW = timedelta(days=2)
BURST_SOURCES = 5
BURST_MONTH_SOURCES = 6
FAR_SOURCES = 7
SIGNALS = ("impossible_travel", "back_and_forth", "many_places", "sources_at_once", "many_sources_far")


@dataclass(frozen=True, slots=True)
class Place:
    """One located check: when, the province code, and the scan's source (rotating hash)."""

    at: datetime
    province: int
    source: str | None


@dataclass(frozen=True, slots=True)
class Check:
    """One scan: when, its source (rotating hash) and, if it was located, the province code."""

    at: datetime
    source: str | None
    province: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A signal that fired and the checks that show it, oldest first."""

    signal: str
    evidence: tuple[Place, ...]

    sources: int = 0

    def detail(self) -> dict[str, Any]:
        """The evidence as JSON for the label row (provinces by code, UTC ISO times, and the
        number of networks for the signals that count them)."""
        places_ = [{"at": p.at.isoformat(), "province": p.province} for p in self.evidence]
        return {"places": places_} | ({"sources": self.sources} if self.sources else {})


def fastest_hours(km: float) -> float:
    """Return the least time in hours in which an item can cover ``km``."""
    if km <= 0:
        return 0.0
    return min(km / ROAD_KMH, FLIGHT_HOURS + km / FLIGHT_KMH)


def _other_phone(a: Place, b: Place) -> bool:
    # One phone alone never proves a copy: its owner may have faked its location.
    return a.source is None or b.source is None or a.source != b.source


def detect(checks: Sequence[Place]) -> Finding | None:
    """Return the first signal that the located checks (oldest first) show, or ``None``."""
    for k, last in enumerate(checks):
        for earlier in checks[:k]:
            km = places.apart_km(earlier.province, last.province)
            hours = (last.at - earlier.at).total_seconds() / 3600
            if km > 0 and hours < fastest_hours(km) and _other_phone(earlier, last):
                return Finding("impossible_travel", (earlier, last))
        recent = [c for c in checks[: k + 1] if last.at - c.at <= LONG_RETURN_WINDOW]
        returns = _returns(recent)
        quick = [r for r in returns if last.at - r[0].at <= RETURN_WINDOW]
        if quick or len(returns) >= LONG_RETURNS:
            return Finding("back_and_forth", (quick or returns)[-1])
        spread = _far_apart(_seen_twice([c for c in checks[: k + 1] if last.at - c.at <= PLACE_WINDOW]))
        if len(spread) >= MANY_PLACES:
            return Finding("many_places", tuple(spread))
    return None


def _seen_twice(checks: Sequence[Place]) -> list[Place]:
    """The checks, oldest first, of the provinces checked from at least two sources; each
    such province stands by its check that made it two."""
    sources: dict[int, set[str | None]] = {}
    chosen: list[Place] = []
    for check in checks:
        seen = sources.setdefault(check.province, set())
        if check.source not in seen:
            seen.add(check.source)
            if len(seen) == 2:
                chosen.append(check)
    return chosen


def detect_checks(checks: Sequence[Check]) -> Finding | None:
    """Return the first signal that a label's scans (oldest first, within the window) show:
    those of :func:`detect` on the located ones, then the ones that count networks."""
    located = [Place(c.at, c.province, c.source) for c in checks if c.province is not None]
    finding = detect(located)
    if finding is not None or not checks:
        return finding
    last = checks[-1].at
    month = {c.source for c in checks if c.source and last - c.at <= PLACE_WINDOW}
    burst = {c.source for c in checks if c.source and last - c.at <= BURST_WINDOW}
    if len(burst) >= BURST_SOURCES and len(month) >= BURST_MONTH_SOURCES:
        return Finding("sources_at_once", (), len(month))
    if len(month) >= FAR_SOURCES:
        spread = _far_apart([p for p in located if last - p.at <= PLACE_WINDOW])
        if len(spread) >= 2:
            return Finding("many_sources_far", tuple(spread[:2]), len(month))
    return None


def _returns(checks: Sequence[Place]) -> list[tuple[Place, Place, Place]]:
    """Each time the checks (oldest first), read as one item's path, come back to a province
    after it was seen far away (at least FAR_KM): (left, away, back), by at least two phones."""
    found: list[tuple[Place, Place, Place]] = []
    if not checks:
        return found
    here, left = checks[0], [checks[0]]
    for check in checks[1:]:
        if places.apart_km(here.province, check.province) < FAR_KM:
            if check.province == here.province:  # the latest check of this visit stands for it
                here = left[-1] = check
            continue
        before = next((p for p in reversed(left) if p.province == check.province), None)
        if before is not None and len({before.source, here.source, check.source}) > 1:
            found.append((before, here, check))
        here = check
        left.append(check)
    return found


def _far_apart(checks: Sequence[Place]) -> list[Place]:
    """The checks, oldest first, of provinces each at least FAR_KM from all chosen before."""
    chosen: list[Place] = []
    for check in checks:
        if all(places.apart_km(c.province, check.province) >= FAR_KM for c in chosen):
            chosen.append(check)
    return chosen


# What decides from when a label's checks count: after an inspector cleared it, only later ones.
REVIEW_COLUMNS = (Label.clone_review, Label.clone_reviewed_at)
# Built once: the located check runs for every consenting scan (and the writer's judge).
_LOCK = (
    select(Label.first_scanned_at, Label.first_scan_area, Label.clone_signal, *REVIEW_COLUMNS)
    .where(Label.id == bindparam("label_id"))
    .with_for_update()
)
_LOCATE = (
    update(Scan)
    .where(
        Scan.label_id == bindparam("b_label"),
        Scan.at == bindparam("b_at", type_=Scan.at.type),
        Scan.source_hash == bindparam("b_source"),
        Scan.area.is_(None),
    )
    .values(area=bindparam("b_area"))
)
_RECENT = (
    select(Scan.at, Scan.area, Scan.source_hash)
    .where(Scan.label_id == bindparam("label_id"), Scan.at >= bindparam("since", type_=Scan.at.type))
    .order_by(Scan.at.desc(), Scan.id.desc())
    .limit(PLACE_LIMIT)
)


def record_place(
    session: Session, *, label_id: int, scan_at: datetime, source: str, province: int, now: datetime
) -> bool:
    """Attach ``province`` to the label's scan made at ``scan_at`` from ``source`` and update
    the label's clone signal in the caller's transaction. Return ``False`` (nothing changed)
    when that scan is not written yet or was located already.

    The label row is locked first (PostgreSQL), so two located checks of one label are judged
    one after the other, each seeing the other's place.
    """
    connection = session.connection()
    label = connection.execute(_LOCK, {"label_id": label_id}).first()
    if label is None:
        return False
    located = connection.execute(
        _LOCATE, {"b_label": label_id, "b_at": scan_at, "b_source": source, "b_area": str(province)}
    ).rowcount
    if not located:
        return False
    changes: dict[str, Any] = {}
    if label.first_scan_area is None and label.first_scanned_at == scan_at:
        changes["first_scan_area"] = str(province)  # "first checked on <date> in <province>"
    if label.clone_signal is None:
        changes |= judge(session, label_id, now, cleared_since(label.clone_review, label.clone_reviewed_at))
    if changes:
        connection.execute(update(Label).where(Label.id == label_id).values(**changes))
    return True


def cleared_since(review: str | None, reviewed_at: datetime | None) -> datetime | None:
    """Return when the label was cleared as a false alarm (its checks before that no longer
    count), or ``None`` if it was not."""
    return reviewed_at if review == "cleared" else None


def judge(session: Session, label_id: int, now: datetime, since: datetime | None) -> dict[str, Any]:
    """Return the label-row values that record a signal its recent checks (from ``since``,
    if given) show, or an empty dict when they show none. Reads at most PLACE_LIMIT scans."""
    start = now - PLACE_WINDOW if since is None else max(now - PLACE_WINDOW, since)
    rows = session.connection().execute(_RECENT, {"label_id": label_id, "since": start}).all()
    checks = [
        Check(at, source, int(area) if area and area.isdigit() else None)
        for at, area, source in reversed(rows)
    ]
    finding = detect_checks(checks)
    if finding is None:
        return {}
    return {"clone_signal": finding.signal, "clone_signal_at": now, "clone_detail": finding.detail()}

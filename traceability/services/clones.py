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
  other within :data:`PLACE_WINDOW`.

A signal is kept on the label row once it fires (a copy, once made, does not go away), so the
verify path reads it with the label. ``claimed_twice`` (see :mod:`.claims`) and
``many_sources`` (see :mod:`.scans`) come from their own counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
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
SIGNALS = ("impossible_travel", "back_and_forth", "many_places")


@dataclass(frozen=True, slots=True)
class Place:
    """One located check: when, the province code, and the scan's source (rotating hash)."""

    at: datetime
    province: int
    source: str | None


@dataclass(frozen=True, slots=True)
class Finding:
    """A signal that fired and the checks that show it, oldest first."""

    signal: str
    evidence: tuple[Place, ...]

    def detail(self) -> dict[str, Any]:
        """The evidence as JSON for the label row (provinces by code, UTC ISO times)."""
        return {"places": [{"at": p.at.isoformat(), "province": p.province} for p in self.evidence]}


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
        spread = _far_apart([c for c in checks[: k + 1] if last.at - c.at <= PLACE_WINDOW])
        if len(spread) >= MANY_PLACES:
            return Finding("many_places", tuple(spread))
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


def record_place(
    session: Session, *, label_id: int, scan_at: datetime, source: str, province: int, now: datetime
) -> bool:
    """Attach ``province`` to the label's scan made at ``scan_at`` from ``source`` and update
    the label's clone signal in the caller's transaction. Return ``False`` (nothing changed)
    when that scan is not written yet or was located already.

    The label row is locked first (PostgreSQL), so two located checks of one label are judged
    one after the other, each seeing the other's place.
    """
    label = session.execute(
        select(Label.first_scanned_at, Label.first_scan_area, Label.clone_signal)
        .where(Label.id == label_id)
        .with_for_update()
    ).first()
    if label is None:
        return False
    located = session.execute(
        update(Scan)
        .where(Scan.label_id == label_id, Scan.at == scan_at, Scan.source_hash == source, Scan.area.is_(None))
        .values(area=str(province))
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not located:
        return False
    changes: dict[str, Any] = {}
    if label.first_scan_area is None and label.first_scanned_at == scan_at:
        changes["first_scan_area"] = str(province)  # "first checked on <date> in <province>"
    if label.clone_signal is None:
        finding = detect(_recent_places(session, label_id, now))
        if finding is not None:
            changes |= {
                "clone_signal": finding.signal,
                "clone_signal_at": now,
                "clone_detail": finding.detail(),
            }
    if changes:
        session.execute(
            update(Label)
            .where(Label.id == label_id)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
    return True


def _recent_places(session: Session, label_id: int, now: datetime) -> list[Place]:
    rows = session.execute(
        select(Scan.at, Scan.area, Scan.source_hash)
        .where(Scan.label_id == label_id, Scan.at >= now - PLACE_WINDOW, Scan.area.is_not(None))
        .order_by(Scan.at.desc(), Scan.id.desc())
        .limit(PLACE_LIMIT)
    ).all()
    return [Place(at, int(area), source) for at, area, source in reversed(rows) if area and area.isdigit()]

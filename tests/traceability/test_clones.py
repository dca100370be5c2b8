"""The clone signals on located checks, and the province of a point (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from traceability import places
from traceability.services.clones import Place, detect

T = datetime(2026, 3, 1, 8, tzinfo=UTC)
HN, HCM, DN, HP = 1, 79, 48, 31  # Hà Nội, Hồ Chí Minh City, Đà Nẵng, Hải Phòng (next to Hà Nội)


def test_points_get_their_province_and_neighbours_are_never_apart() -> None:
    assert places.locate(21.03, 105.85) == HN and places.locate(10.78, 106.70) == HCM
    assert places.locate(48.85, 2.35) is None  # Paris
    assert places.apart_km(HN, HP) == 0 and places.apart_km(HN, HCM) > 900
    assert len(places.names()) == 34


def test_a_flight_is_not_impossible_travel_but_minutes_are() -> None:
    flown = [Place(T, HN, "a"), Place(T + timedelta(hours=5), HCM, "b")]
    assert detect(flown) is None
    copied = [Place(T, HN, "a"), Place(T + timedelta(minutes=30), HCM, "b")]
    finding = detect(copied)
    assert finding is not None and finding.signal == "impossible_travel"
    assert detect([Place(T, HN, "a"), Place(T + timedelta(minutes=30), HCM, "a")]) is None  # one phone


def test_back_and_forth_and_many_places() -> None:
    trip = [Place(T, HN, "a"), Place(T + timedelta(days=1), DN, "b"), Place(T + timedelta(days=1.5), HN, "c")]
    found = detect(trip)
    assert found is not None and found.signal == "back_and_forth"
    slow = [Place(T, HN, "a"), Place(T + timedelta(days=2), DN, "b"), Place(T + timedelta(days=9), HN, "c")]
    assert detect(slow) is None  # a return after a week is a trip, not a copy
    # Three far provinces, each checked by two networks: copies selling there, not a tour.
    spread = [
        Place(T, HN, "a"),
        Place(T + timedelta(hours=5), HN, "a2"),
        Place(T + timedelta(days=2), DN, "b"),
        Place(T + timedelta(days=2.5), DN, "b2"),
        Place(T + timedelta(days=5), HCM, "c"),
    ]
    assert detect(spread) is None  # a traveller's stops are one network each
    spread.append(Place(T + timedelta(days=6), HCM, "c2"))
    found = detect(spread)
    assert found is not None and found.signal == "many_places"
    assert detect([Place(T, HN, "a"), Place(T + timedelta(days=1), HP, "b")]) is None

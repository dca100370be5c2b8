"""traceability.services.suspects: clone suspects ranked by their scans' signals, a label's
scan timeline, suspects by area, and revoking a suspect as counterfeit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.activity import add_scan
from tests.support.factories import issue, make_world
from traceability import NotFound, ValidationError, places
from traceability.enums import RecordStatus, RevocationReason
from traceability.models import Label, Revocation
from traceability.services import suspects

KEY = private_key_from_seed(bytes(range(32)))
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def test_score_weighs_each_signal_above_its_free_allowance() -> None:
    assert suspects.score(10, 3, 1, 1) == 0  # a genuine item's scans
    assert suspects.score(11, 3, 1, 1) == 1
    assert suspects.score(0, 4, 1, 0) == 3
    assert suspects.score(0, 0, 2, 0) == 5
    assert suspects.score(0, 0, 0, 3) == 40


def test_ranked_orders_by_score_and_keeps_the_window(session: Session) -> None:
    world = make_world(session, name="Trà shan tuyết")
    cloned, busy, quiet, old = issue(session, world, KEY, 4)
    now = datetime.now(UTC)
    for n, area in enumerate(["01", "22", "46", "79", "92"]):  # five sources in five provinces
        add_scan(session, cloned, source=f"c{n}", area=area, at=now - timedelta(minutes=n))
    for n in range(12):  # one source, many scans: 12 - 10 = 2
        add_scan(session, busy, source="shop", at=now - timedelta(minutes=n))
    add_scan(session, quiet, source="a")
    add_scan(session, quiet, source="b")  # two scans, nothing odd
    for n in range(12):
        add_scan(session, old, source="x", at=SINCE - timedelta(days=1, minutes=n))  # before the window
    session.flush()
    found = suspects.ranked(session, since=SINCE)
    assert [s.label_id for s in found] == [cloned.id, busy.id]
    top = found[0]
    assert (top.scans, top.sources, top.areas, top.score) == (5, 5, 5, 3 * 2 + 5 * 4)
    assert (top.product_name, top.status, top.review) == ("Trà shan tuyết", RecordStatus.ACTIVE, None)
    assert top.first_scan is not None and top.last_scan is not None and top.first_scan < top.last_scan
    assert [s.label_id for s in suspects.ranked(session, since=SINCE, limit=1)] == [cloned.id]
    assert [s.label_id for s in suspects.ranked(session, since=SINCE, min_score=3)] == [cloned.id]
    assert old.id in {s.label_id for s in suspects.ranked(session, since=SINCE - timedelta(days=2))}


def test_claims_twice_make_a_suspect_without_scans(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    session.execute(update(Label).where(Label.id == label.id).values(claim_attempts=2))
    (found,) = suspects.ranked(session, since=SINCE)
    assert (found.label_id, found.scans, found.claim_attempts, found.score) == (label.id, 0, 2, 20)


def test_timeline_is_oldest_first(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    times = [SINCE + timedelta(hours=h) for h in (3, 1, 2)]
    for at in times:
        add_scan(session, label, at=at)
    session.flush()
    got = suspects.timeline(session, label.id)
    assert [s.at.replace(tzinfo=UTC) if s.at.tzinfo is None else s.at for s in got] == sorted(times)
    assert len(suspects.timeline(session, label.id, limit=2)) == 2
    with pytest.raises(NotFound):
        suspects.timeline(session, label.id + 1000)


def test_by_area_counts_suspect_labels_per_province(session: Session) -> None:
    a, b, plain = issue(session, make_world(session), KEY, 3)
    now = datetime.now(UTC)
    for label in (a, b):
        for n, area in enumerate(["1", "79", "79"]):
            add_scan(session, label, source=f"{label.id}-{n}", area=area, at=now - timedelta(minutes=n))
    add_scan(session, plain, area="01")
    add_scan(session, plain, area="01")
    session.flush()
    expected = sorted([(places.name("1") or "", 2), (places.name("79") or "", 2)], key=lambda kv: kv[0])
    assert suspects.by_area(session, since=SINCE) == expected
    assert len(suspects.by_area(session, since=SINCE, limit=1)) == 1
    assert suspects.by_area(session, since=now + timedelta(hours=1)) == []


def test_revoke_as_counterfeit(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    with pytest.raises(ValidationError):
        suspects.revoke_as_counterfeit(session, actor="insp", label_id=label.id, note=" ")
    with pytest.raises(NotFound):
        suspects.revoke_as_counterfeit(session, actor="insp", label_id=label.id + 1000, note="giả")
    revocation_id = suspects.revoke_as_counterfeit(session, actor="insp", label_id=label.id, note="giả")
    session.flush()
    revocation = session.get(Revocation, revocation_id)
    assert revocation is not None and revocation.reason == RevocationReason.COUNTERFEIT
    assert revocation.note == "giả" and revocation.label_count == 1
    assert session.scalar(select(Label.status).where(Label.id == label.id)) == RecordStatus.REVOKED

"""traceability.services.reprints: a lot's recorded labels read back for a reprint."""

from __future__ import annotations

from sqlalchemy import select

from keys import PrivateKey
from tests.support.factories import issue, make_world
from traceability.enums import RecordStatus
from traceability.models import AuditEntry
from traceability.services import reprints, revocations


def test_labels_streamed_in_number_order_by_range_and_status(session, test_key: PrivateKey) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, stars=4)
    issued = issue(session, world, test_key, count=7)
    revocations.revoke(
        session,
        actor="t",
        target="range",
        ref={"lot_id": world.lot.id, "first": 3, "last": 4},
        reason="damaged_or_lost",
    )
    session.flush()
    every = list(reprints.lot_labels(session, lot_id=world.lot.id, batch=2))  # several batches
    assert [r.number for r in every] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.serial for r in every] == [label.serial for label in issued]
    assert {r.stars for r in every} == {4} and {r.key_id for r in every} == {test_key.kid}
    active = reprints.lot_labels(session, lot_id=world.lot.id, first=2, last=6, active_only=True)
    assert [r.number for r in active] == [2, 5, 6]
    assert [r.number for r in reprints.lot_labels(session, lot_id=world.lot.id, last=2)] == [1, 2]
    assert [r.status for r in reprints.lot_labels(session, lot_id=world.lot.id, first=4, last=4)] == [
        RecordStatus.REVOKED
    ]


def test_range_summary_counts_active_and_revoked(session, test_key: PrivateKey) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, stars=5)
    issue(session, world, test_key, count=5)
    revocations.revoke(
        session,
        actor="t",
        target="range",
        ref={"lot_id": world.lot.id, "first": 1, "last": 2},
        reason="counterfeit",
    )
    session.flush()
    whole = reprints.range_summary(session, lot_id=world.lot.id, first=None, last=None)
    assert (whole.active, whole.revoked, whole.stars) == (3, 2, frozenset({5}))
    part = reprints.range_summary(session, lot_id=world.lot.id, first=2, last=3)
    assert (part.active, part.revoked) == (1, 1)
    empty = reprints.range_summary(session, lot_id=world.lot.id, first=50, last=60)
    assert (empty.active, empty.revoked, empty.stars) == (0, 0, frozenset())


def test_reprint_is_audited(session) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session)
    reprints.record_reprint(
        session, actor="admin:1", lot_id=world.lot.id, lot_code=world.lot.code, numbers=(2, 9), count=8
    )
    session.flush()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "labels.reprint")).one()
    assert (entry.actor, entry.entity, entry.entity_id) == ("admin:1", "lot", str(world.lot.id))
    assert entry.detail == {"count": 8, "numbers": [2, 9], "code": world.lot.code}
    assert "2–9" in entry.summary

"""traceability.services.revocation_list: the list's version grows with every change."""

from __future__ import annotations

from tests.support.factories import issue, make_world
from traceability.services import revocation_list, revocations


def test_version_and_labels_follow_revocations_and_reinstatements(session, test_key):
    world = make_world(session)
    labels = issue(session, world, test_key, count=4)
    assert revocation_list.list_version(session) == 0 and revocation_list.revoked_labels(session) == []
    made = revocations.revoke(
        session, actor="t", target="range", ref={"lot_id": world.lot.id, "first": 2, "last": 3},
        reason="damaged_or_lost",
    )
    session.flush()
    assert revocation_list.list_version(session) == 1
    listed = revocation_list.revoked_labels(session)
    assert [r.serial for r in listed] == sorted(label.serial for label in labels[1:3])
    assert {r.reason for r in listed} == {"damaged_or_lost"}
    revocations.reinstate(session, actor="t", revocation_id=made.id, note="Nhầm số")
    session.flush()
    session.expire_all()
    assert revocation_list.list_version(session) == 2  # a reinstatement raises it too
    assert revocation_list.revoked_labels(session) == []

"""traceability.services.certification_alerts: certifications ending soon, and ended ones whose
labels are still scanned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.factories import issue, make_world
from traceability.services import scans
from traceability.services.certification_alerts import ended_but_scanned, expiring


def test_expiring_within_the_window_soonest_first(session):
    soon = make_world(session, name="Miến dong")
    later = make_world(session, name="Chè búp", issued_on=soon.certification.issued_on + timedelta(days=30))
    today = soon.certification.valid_until - timedelta(days=10)
    found = expiring(session, today=today, within_days=90)
    ids = [f.certification_id for f in found]
    assert ids.index(soon.certification.id) < ids.index(later.certification.id)
    assert expiring(session, today=today, within_days=5) == []
    after = expiring(session, today=soon.certification.valid_until + timedelta(days=1), within_days=40)
    assert [f.certification_id for f in after] == [later.certification.id]  # the ended one left


def test_ended_but_still_scanned(session, test_key):
    world = make_world(session)
    label = issue(session, world, test_key, count=1)[0]
    at = datetime.now(UTC)
    row = scans.scan_row(serial=label.serial, label_id=label.id, verdict="expired", channel="web",
                         area=None, device=None, source_hash=None, at=at)
    scans.record_scans(session, [row, dict(row)])
    ended = world.certification.valid_until + timedelta(days=1)
    found = ended_but_scanned(session, today=ended, since=at - timedelta(days=1))
    assert [(f.certification_id, f.scans) for f in found] == [(world.certification.id, 2)]
    last_day = world.certification.valid_until
    assert ended_but_scanned(session, today=last_day, since=at - timedelta(days=1)) == []
    assert ended_but_scanned(session, today=ended, since=at + timedelta(seconds=1)) == []

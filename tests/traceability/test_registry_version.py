"""traceability.services.registry_version: changes with every audited registry change, and the
verify path's prepared read gives the same numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.factories import make_world
from traceability.enums import EventKind
from traceability.services import lots
from traceability.services.registry_version import read_version, registry_version

EVENT = next(iter(EventKind))


def test_version_changes_with_each_change_and_both_reads_agree(session, engine):
    empty = registry_version(session)
    assert empty == (0, 0)
    world = make_world(session)
    session.commit()
    after_world = registry_version(session)
    assert after_world != empty and after_world[1] >= 3  # producer, product, certification, lot
    lots.add_event(
        session, actor="t", lot_id=world.lot.id, kind=EVENT, occurred_at=datetime.now(UTC), place="Mê Linh"
    )
    session.commit()
    after_event = registry_version(session)
    assert after_event[0] > after_world[0]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert read_version(connection) == after_event

"""traceability.services.registry_version: raised once by every committed registry change (and
only then), in commit order, and the verify path's prepared read gives the same number."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.enums import EventKind
from traceability.services import lots, scans
from traceability.services.registry_version import read_version, registry_version

EVENT = next(iter(EventKind))
KEY = private_key_from_seed(bytes(range(32)))


def _event(session: Session, lot_id: int, place: str = "Mê Linh") -> None:
    lots.add_event(session, actor="t", lot_id=lot_id, kind=EVENT, occurred_at=datetime.now(UTC), place=place)


def test_each_committed_change_raises_it_once_and_both_reads_agree(session: Session, engine: Engine) -> None:
    start = registry_version(session)
    world = make_world(session)  # producer, product, certification, lot: one transaction
    session.commit()
    after_world = registry_version(session)
    assert after_world == start + 1
    _event(session, world.lot.id)
    _event(session, world.lot.id, "Hà Nội")
    session.commit()
    after_events = registry_version(session)
    assert after_events == after_world + 1  # one transaction, one raise
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert read_version(connection) == after_events


def test_scans_and_commits_without_a_change_leave_it(session: Session) -> None:
    world = make_world(session)
    (label,) = issue(session, world, KEY, 1)
    session.commit()
    before = registry_version(session)
    scans.record_scan(
        session, serial=label.serial, label_id=label.id, verdict="genuine", channel="web",
        area=None, device=None, source_hash="s",
    )  # fmt: skip
    session.commit()
    session.commit()
    assert registry_version(session) == before


def test_a_rolled_back_change_raises_it_at_most_once_later(session: Session) -> None:
    """Never before its own commit: a rollback leaves the version; the session's next commit
    may raise it once (only caches are emptied), and the one after does not."""
    world = make_world(session)
    session.commit()
    before = registry_version(session)
    _event(session, world.lot.id)
    session.flush()
    session.rollback()
    assert registry_version(session) == before
    session.commit()
    assert registry_version(session) in (before, before + 1)
    settled = registry_version(session)
    session.commit()
    assert registry_version(session) == settled


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_concurrent_changes_each_raise_it_in_commit_order(engine: Engine, session: Session) -> None:
    """Eight sessions changing the registry at once on PostgreSQL: every one commits (the raise
    is the last lock each takes, so none waits in a cycle), and the version goes up by exactly
    the number of transactions."""
    world = make_world(session)
    session.commit()
    before = registry_version(session)
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def change(n: int) -> None:
        try:
            with Session(engine) as own:
                for round_ in range(5):
                    _event(own, world.lot.id, f"place {n}.{round_}")
                    own.flush()
                    if round_ == 0:
                        barrier.wait(timeout=10)
                    own.commit()
        except BaseException as e:  # reported below, with the thread's name
            failures.append(e)

    threads = [threading.Thread(target=change, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == [] and not any(t.is_alive() for t in threads)
    session.expire_all()
    assert registry_version(session) == before + 8 * 5

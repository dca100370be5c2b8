"""The scan writer while a synchronous replica is away (docs/scaling.md, step 2): ordinary
commits wait for the replica listed in ``synchronous_standby_names``; the writer's batches
commit with ``synchronous_commit = local`` and keep being written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import issue, make_world
from tests.support.pg import PostgresServer, fresh_database, running_server
from traceability import make_engine, upgrade
from traceability.services import scans
from verify_web.hotpath.scanwriter import ScanWriter

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def own_server() -> Iterator[PostgresServer]:
    """A server of this module's own: the suite's shared one must never wait for a replica."""
    with running_server(durable=True) as server:
        yield server


@pytest.fixture
def db_url(own_server: PostgresServer) -> Iterator[str]:
    """Overrides the suite's fixture: a fresh migrated database on the module's server."""
    with fresh_database(own_server, "w") as name:
        upgrade(make_engine(own_server.url(name)))
        yield own_server.url(name)


def _standby_names(server: PostgresServer, names: str) -> None:
    """Set ``synchronous_standby_names`` and wait until a new session sees it (a reload
    reaches the backends asynchronously)."""
    admin = make_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'"))
        c.execute(text("SELECT pg_reload_conf()"))
    for _ in range(100):
        with admin.connect() as c:
            if c.execute(text("SHOW synchronous_standby_names")).scalar_one() == names:
                break
        time.sleep(0.05)
    time.sleep(0.2)  # the pooled sessions take the reload at their next statement
    admin.dispose()


def _row(label_id: int, n: int) -> dict[str, object]:
    return scans.scan_row(
        serial=None, label_id=label_id, verdict="genuine", channel="web", area=None, device=None,
        source_hash=f"s{n}",
    )  # fmt: skip


def _ordinary_commit(engine: Engine, label_id: int) -> None:
    with Session(engine) as session, session.begin():
        scans.record_scans(session, [_row(label_id, -1)])


def test_scans_are_written_while_the_synchronous_replica_is_away(
    own_server: PostgresServer, db_url: str, test_key: PrivateKey
) -> None:
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        # Two labels: the waiting commit keeps its label's row lock until the replica answers,
        # and a scan of that label would wait for it (docs/scaling.md, step 2).
        label, other = issue(session, make_world(session), test_key, 2)
        session.commit()
    _standby_names(own_server, "replica_that_is_down")
    writer = ScanWriter(engine)
    waiting = threading.Thread(target=_ordinary_commit, args=(engine, other.id), daemon=True)
    try:
        waiting.start()
        waiting.join(timeout=2)
        assert waiting.is_alive(), "an ordinary commit should wait for the synchronous replica"
        for n in range(50):
            writer.submit(_row(label.id, n))
        flushed = threading.Thread(target=writer.flush, daemon=True)
        flushed.start()
        flushed.join(timeout=20)
        assert not flushed.is_alive() and writer.written == 50 and writer.dropped == 0
    finally:
        _standby_names(own_server, "")
        waiting.join(timeout=10)
        writer.close()
    with Session(engine) as session:
        assert scans.count_scans(session, label_id=label.id) == 50
        assert scans.count_scans(session, label_id=other.id) == 1  # the waiting commit went in too
    engine.dispose()

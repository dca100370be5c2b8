"""The wait limit on PostgreSQL connections: a statement the server does not answer in time is
a lost connection in about the limit; without a limit, or within it, nothing changes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from psycopg import capabilities
from sqlalchemy import Column, Engine, Integer, MetaData, Table, event, select, text
from sqlalchemy.exc import OperationalError

from tests.support.pg import PostgresServer, fresh_database
from tests.support.pgbouncer import PgBouncer
from traceability import make_engine
from traceability.db import connect_driver
from traceability.deadline import BoundedConnection, NoAnswer, limit_waits, waits_limited
from traceability.prepared import PreparedRead

pytestmark = pytest.mark.postgres

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
READ = PreparedRead(select(things.c.n).where(things.c.id == 1))


@pytest.fixture(params=[True, False], ids=["prepared", "unprepared"])
def engine(request: pytest.FixtureRequest, pg_server: PostgresServer) -> Iterator[Engine]:
    with fresh_database(pg_server, "deadline") as name:
        made = make_engine(pg_server.url(name), prepared_statements=request.param)
        event.listen(made, "do_connect", connect_driver)
        metadata.create_all(made)
        with made.begin() as c:
            c.execute(things.insert().values(id=1, n=7))
        yield made
        made.dispose()


def test_a_slow_statement_ends_at_the_limit_as_a_lost_connection(engine: Engine) -> None:
    with engine.connect() as connection:
        assert isinstance(connection.connection.driver_connection, BoundedConnection)
        began = time.monotonic()
        with waits_limited(0.5), pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert 0.4 < time.monotonic() - began < 2
        assert isinstance(raised.value.orig, NoAnswer) and raised.value.orig.seconds == 0.5
        assert raised.value.connection_invalidated
    with engine.connect() as connection:  # the pool hands out a working connection again
        assert connection.execute(text("SELECT 1")).scalar_one() == 1


def test_within_the_limit_or_without_one_nothing_changes(engine: Engine) -> None:
    with engine.connect() as connection:
        with waits_limited(2):
            assert connection.execute(text("SELECT pg_sleep(0.3), 1")).one()[1] == 1
        assert connection.execute(text("SELECT pg_sleep(0.6), 2")).one()[1] == 2  # no limit here
        driver = connection.connection.driver_connection
        assert isinstance(driver, BoundedConnection)
        with waits_limited(5):  # psycopg's own shorter timeout still ends its own wait
            began = time.monotonic()
            assert list(driver.notifies(timeout=0.3)) == []
            assert time.monotonic() - began < 2


def test_the_verify_read_keeps_the_limit_behind_a_lock(engine: Engine) -> None:
    """The one-libpq-call read of :mod:`traceability.libpq`, prepared or not, on a table that
    another transaction holds locked."""
    reader = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    assert READ.first(reader, {}) == (7,)
    with engine.connect() as locker, locker.begin():
        locker.execute(text("LOCK TABLE things IN ACCESS EXCLUSIVE MODE"))
        began = time.monotonic()
        with waits_limited(0.5), pytest.raises(OperationalError) as raised:
            READ.first(reader, {})
        assert 0.4 < time.monotonic() - began < 2
        assert isinstance(raised.value.orig, NoAnswer) and raised.value.connection_invalidated
    reader.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as again:
        assert READ.first(again, {}) == (7,)  # prepared again on the new connection


@pytest.mark.skipif(
    not capabilities.has_cancel_safe(), reason="needs libpq 17 (psycopg's binary wheel has it)"
)
def test_a_wait_that_runs_out_leaves_no_statement_waiting_on_the_server(engine: Engine) -> None:
    """Closing the connection alone left the backend waiting for the lock (one per read that
    ran out, until the lock ended: measured); the cancel request ends it."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    with engine.connect() as locker, locker.begin():
        locker.execute(text("LOCK TABLE things IN ACCESS EXCLUSIVE MODE"))
        for _ in range(3):
            reader = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with waits_limited(0.3), pytest.raises(OperationalError):
                READ.first(reader, {})
            reader.close()
        with engine.connect() as watcher:
            left = [watcher.execute(waiting).scalar_one()]
            ends = time.monotonic() + 2  # the server acts on a cancel request on its own time
            while left[-1] and time.monotonic() < ends:
                time.sleep(0.05)
                left.append(watcher.execute(waiting).scalar_one())
        assert left[-1] == 0, left  # without the cancel: 3 until the lock ends


def test_a_limit_is_a_positive_number_of_seconds() -> None:
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="positive number of seconds"):
            limit_waits(bad)


def test_a_pooler_with_no_free_server_connection_is_the_same_error(
    pg_server: PostgresServer, pgbouncer: PgBouncer
) -> None:
    """Behind PgBouncer (transaction mode, one server connection, the suite's), a client whose
    statement waits for a server connection another client holds waits no longer than its
    limit; PgBouncer's own ``query_wait_timeout`` (120 s by default) would come much later."""
    with fresh_database(pg_server, "deadline_pool") as name:
        engine = make_engine(pgbouncer.url(name), prepared_statements=False)
        event.listen(engine, "do_connect", connect_driver)
        try:
            with engine.connect() as holder, holder.begin():
                holder.execute(text("SELECT 1"))  # in a transaction: the server connection is its
                with engine.connect() as waiting, waits_limited(0.5):
                    began = time.monotonic()
                    with pytest.raises(OperationalError) as raised:
                        waiting.execute(text("SELECT 2"))
                    assert isinstance(raised.value.orig, NoAnswer)
                    assert 0.4 < time.monotonic() - began < 2
            with engine.connect() as after:
                assert after.execute(text("SELECT 3")).scalar_one() == 3
        finally:
            engine.dispose()

"""Engines behind PgBouncer in transaction mode (docs/scaling.md, step 3): psycopg's prepared
statements clash there, and ``make_engine(prepared_statements=False)`` is the way through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, bindparam, cast, select, text
from sqlalchemy.exc import DBAPIError

from tests.support.pg import PostgresServer, fresh_database
from tests.support.pgbouncer import PgBouncer
from traceability import make_engine
from traceability.prepared import PreparedRead

pytestmark = pytest.mark.postgres

CLASHES = {"DuplicatePreparedStatement", "InvalidSqlStatementName"}


@pytest.fixture
def pooled_database(pg_server: PostgresServer, pgbouncer: PgBouncer) -> Iterator[str]:
    """A fresh migrated database, and its URL through the pooler."""
    with fresh_database(pg_server, "p", template="ocop_template") as name:
        yield pgbouncer.url(name)


def _in_turns(engine: Engine, runs: int = 8) -> list[str]:
    """Run one statement ``runs`` times on each of two connections, in turns, each run its own
    transaction (so the pooler may hand both the same server connection); return the class
    names of the driver errors met."""
    errors = []
    with engine.connect() as one, engine.connect() as two:
        for n in range(runs):
            for connection in (one, two):
                try:
                    found = connection.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": n}).scalar_one()
                    assert found == n + 1
                    connection.commit()
                except DBAPIError as e:
                    errors.append(type(e.orig).__name__)
                    connection.rollback()
    return errors


def test_prepared_statements_clash_behind_a_transaction_pooler(pooled_database: str) -> None:
    engine = make_engine(pooled_database)
    try:
        errors = _in_turns(engine)
    finally:
        engine.dispose()
    assert errors and set(errors) <= CLASHES


def test_without_prepared_statements_every_statement_runs(pooled_database: str) -> None:
    engine = make_engine(pooled_database, prepared_statements=False)
    try:
        assert _in_turns(engine) == []
    finally:
        engine.dispose()


def test_the_verify_read_runs_unnamed_behind_the_pooler(pooled_database: str) -> None:
    """PreparedRead on an engine without prepared statements sends its statement unnamed each
    time, so two processes (two engines here) taking turns on the pooler's server connections
    never clash; prepared, they do (one process prepares a name the other already did)."""
    statement = select(cast(bindparam("n", type_=Integer), Integer) + 1)
    assert _read_in_turns(make_engine(pooled_database), statement)
    assert _read_in_turns(make_engine(pooled_database, prepared_statements=False), statement) == []


def _read_in_turns(engine: Engine, statement: Any) -> list[str]:
    """Two processes' PreparedReads on connections of their own, in turns; the class names
    of the driver errors met."""
    errors = []
    reads = [PreparedRead(statement), PreparedRead(statement)]  # one per "process"
    one, two = (engine.connect().execution_options(isolation_level="AUTOCOMMIT") for _ in reads)
    try:
        for n in range(8):
            for connection, read in zip((one, two), reads, strict=True):
                try:
                    assert read.first(connection, {"n": n}) == (n + 1,)
                except DBAPIError as e:
                    errors.append(type(e.orig).__name__)
    finally:
        one.close()
        two.close()
        engine.dispose()
    return errors

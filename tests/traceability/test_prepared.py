"""PreparedRead returns exactly what ``Connection.execute`` returns, and raises SQLAlchemy's
errors, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Numeric,
    Table,
    bindparam,
    cast,
    event,
    literal,
    select,
    text,
)
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.models import Label
from traceability.models.base import UTCDateTime
from traceability.prepared import PreparedRead
from traceability.services import label_scans, scans

KEY = private_key_from_seed(bytes(range(32)))


def autocommit(engine: Engine) -> Connection:
    """A connection as the verify path uses it: every statement its own transaction."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _scanned_label(session: Session) -> int:
    """A committed label with scans from two sources in two areas, the first 3 hours ago."""
    (label,) = issue(session, make_world(session), KEY, 1)
    first = datetime.now(UTC) - timedelta(hours=3)
    for n, (source, area) in enumerate([("src-a", "Hà Nội"), ("src-b", "Huế"), ("src-a", "Huế")]):
        scans.record_scan(
            session,
            serial=label.serial,
            label_id=label.id,
            verdict="genuine",
            channel="web",
            area=area,
            device="Android",
            source_hash=source,
            at=first + timedelta(minutes=n),
        )
    session.commit()
    return label.id


def test_label_read_matches_connection_execute(engine: Engine, session: Session) -> None:
    """The verify path's read gives the same tuple as SQLAlchemy, with processed types."""
    label_id = _scanned_label(session)
    prepared = label_scans._LABEL_AND_VERSION
    with autocommit(engine) as connection:
        expected = connection.execute(prepared._statement, {"label_id": label_id}).first()
        got = prepared.first(connection, {"label_id": label_id})
        again = prepared.first(connection, {"label_id": label_id})  # from the cached plan
    assert expected is not None and got is not None
    assert got == tuple(expected) == again
    count, first_at, first_area, claims, sources, areas, oldest, claimed_at, signal, version = got
    assert (claimed_at, signal) == (None, None)
    assert (count, first_area, claims) == (3, "Hà Nội", 0)
    assert first_at.tzinfo is not None and first_at.utcoffset() == timedelta(0)
    assert oldest.tzinfo is not None and oldest.utcoffset() == timedelta(0) and oldest == first_at
    assert isinstance(sources, list) and sorted(sources) == ["src-a", "src-b"]  # JSON as lists
    assert isinstance(areas, list) and sorted(areas) == ["Huế", "Hà Nội"]
    assert isinstance(version, int) and version > 0


def test_missing_row_is_none(engine: Engine, session: Session) -> None:
    _scanned_label(session)
    with autocommit(engine) as connection:
        assert label_scans._LABEL_AND_VERSION.first(connection, {"label_id": 987654}) is None


def test_driver_error_is_sqlalchemy_error(engine: Engine) -> None:
    """A table the database does not have: DBAPIError chained from the driver's own error."""
    missing = Table("not_migrated", MetaData(), Column("id", Integer, primary_key=True))
    prepared = PreparedRead(select(missing.c.id).where(missing.c.id == bindparam("id")))
    with autocommit(engine) as connection, pytest.raises(DBAPIError) as raised:
        prepared.first(connection, {"id": 1})
    error = raised.value
    assert isinstance(error.orig, engine.dialect.loaded_dbapi.Error)
    assert error.__cause__ is error.orig
    assert "not_migrated" in str(error.statement)
    assert not error.connection_invalidated


def test_dropped_table_after_planning_raises_dbapi_error(engine: Engine) -> None:
    """The plan is kept per dialect; a table dropped after it was made fails cleanly."""
    table = Table("scratch", MetaData(), Column("id", Integer, primary_key=True))
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert(), [{"id": 1}])
    prepared = PreparedRead(select(table.c.id).where(table.c.id == bindparam("id")))
    with autocommit(engine) as connection:
        assert prepared.first(connection, {"id": 1}) == (1,)
    with engine.begin() as connection:
        table.drop(connection)
    with autocommit(engine) as connection, pytest.raises(DBAPIError) as raised:
        prepared.first(connection, {"id": 1})
    assert isinstance(raised.value.__cause__, engine.dialect.loaded_dbapi.Error)


def test_values_bound_in_the_statement_are_applied(engine: Engine, session: Session) -> None:
    """Literals, a constant in the WHERE clause, a LIMIT and a typed bind with a processor."""
    label_id = _scanned_label(session)
    statement = (
        select(literal(5) + Label.scan_count, Label.first_scan_area)
        .where(
            Label.id == bindparam("label_id"),
            Label.status == "active",
            Label.issued_at < datetime(2100, 1, 1, tzinfo=UTC),
            Label.first_scanned_at >= bindparam("since", type_=UTCDateTime()),
        )
        .limit(1)
    )
    # An hour before the first scan, written in UTC+7: unconverted, its text would sort after the
    # stored UTC time on SQLite, so the row is found only if UTCDateTime's bind processor ran.
    since = (datetime.now(UTC) - timedelta(hours=4)).astimezone(timezone(timedelta(hours=7)))
    params = {"label_id": label_id, "since": since}
    prepared = PreparedRead(statement)
    with autocommit(engine) as connection:
        expected = connection.execute(statement, params).first()
        assert expected is not None
        assert prepared.first(connection, params) == tuple(expected) == (8, "Hà Nội")
        later = {"label_id": label_id, "since": datetime.now(UTC) + timedelta(days=1)}
        assert prepared.first(connection, later) is None


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_lost_connection_is_invalidated(engine: Engine) -> None:
    """A connection the server dropped is invalidated, as SQLAlchemy does for its own errors."""
    prepared = PreparedRead(select(literal(1)))
    with autocommit(engine) as victim:
        victim.exec_driver_sql("SELECT 1")
        pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with autocommit(engine) as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        with pytest.raises(DBAPIError) as raised:
            prepared.first(victim, {})
        assert raised.value.connection_invalidated and victim.invalidated
    with autocommit(engine) as fresh:
        assert prepared.first(fresh, {}) == (1,)


def test_driver_errors_reach_the_engines_error_listeners(engine: Engine) -> None:
    """As for Connection.execute: the web app counts database errors in a ``handle_error``
    listener, and the verify read's errors were missing from its count."""
    seen: list[tuple[str, bool]] = []

    def listener(context: ExceptionContext) -> None:
        seen.append((type(context.original_exception).__name__, context.is_disconnect))

    missing = Table("not_there", MetaData(), Column("id", Integer, primary_key=True))
    prepared = PreparedRead(select(missing.c.id))
    event.listen(engine, "handle_error", listener)
    try:
        with autocommit(engine) as connection, pytest.raises(DBAPIError):
            prepared.first(connection, {})
    finally:
        event.remove(engine, "handle_error", listener)
    assert len(seen) == 1 and seen[0][1] is False


def test_numeric_column(engine: Engine) -> None:
    """A NUMERIC column comes back as SQLAlchemy returns it (a Decimal)."""
    statement = select(cast(literal(7), Numeric(10, 2)))
    with autocommit(engine) as connection:
        expected = connection.execute(statement).first()
        assert expected is not None
        assert PreparedRead(statement).first(connection, {}) == tuple(expected)


def test_refuses_a_connection_with_transactions(engine: Engine) -> None:
    """Outside autocommit, a read on the driver's cursor would leave a transaction SQLAlchemy
    does not know about (and, on PostgreSQL, an aborted one after an error): refused."""
    with engine.connect() as connection, pytest.raises(ValueError, match="AUTOCOMMIT"):
        PreparedRead(select(literal(1))).first(connection, {})


def test_refuses_expanding_in_lists(engine: Engine) -> None:
    table = Table("labels", MetaData(), Column("id", Integer, primary_key=True))
    with autocommit(engine) as connection, pytest.raises(ValueError, match="IN lists"):
        PreparedRead(select(table.c.id).where(table.c.id.in_([1, 2]))).first(connection, {})


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_statement_the_schema_outgrew_is_prepared_again(engine: Engine) -> None:
    """A column whose type a migration changed fails the statement prepared before it once
    (PostgreSQL: "cached plan must not change result type"); the next read prepares it anew."""
    table = Table("reshaped", MetaData(), Column("id", Integer, primary_key=True), Column("v", Integer))
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert(), [{"id": 1, "v": 7}])
    prepared = PreparedRead(select(table.c.v).where(table.c.id == bindparam("id")))
    try:
        with autocommit(engine) as connection:
            assert prepared.first(connection, {"id": 1}) == (7,)
            with engine.begin() as other:
                other.exec_driver_sql("ALTER TABLE reshaped ALTER COLUMN v TYPE bigint")
            with pytest.raises(DBAPIError) as raised:
                prepared.first(connection, {"id": 1})
            assert not raised.value.connection_invalidated
            assert prepared.first(connection, {"id": 1}) == (7,)
            assert prepared.first(connection, {"id": 1}) == (7,)
    finally:
        with engine.begin() as connection:
            table.drop(connection)


def test_every_size_of_integer_parameter(engine: Engine) -> None:
    """psycopg dumps a Python int in the smallest of int2/int4/int8/numeric that holds it; a
    statement prepared for one size still takes the others."""
    number = cast(bindparam("n", type_=BigInteger), BigInteger)
    prepared = PreparedRead(select(number + literal(0, BigInteger)))
    with autocommit(engine) as connection:
        for n in (1, 40_000, 3_000_000_000, 2**63 - 1, -(2**63), 0):
            assert prepared.first(connection, {"n": n}) == (n,)
        assert prepared.first(connection, {"n": None}) == (None,)  # NULL

"""BatchInsert and BatchUpdate store exactly what ``Connection.execute`` with a list of rows
stores, and fail as it fails, on SQLite and PostgreSQL (one statement a batch there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, StatementError

from traceability.batched import BatchInsert, BatchUpdate
from traceability.models.base import UTCDateTime

metadata = MetaData()
things = Table(
    "batched_things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    Column("naive", DateTime()),
    Column("big", BigInteger),
    Column("name", String(40)),
    Column("tags", JSON),
)
COLUMNS = ("id", "at", "naive", "big", "name", "tags")

# Values a batch must carry unchanged: quotes, backslashes, full Vietnamese, JSON-looking text,
# a time in another zone, the edges of BIGINT, NULL in every nullable column.
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "at": datetime(2026, 12, 2, 7, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7))),
        "naive": datetime(2026, 1, 2, 3, 4, 5),
        "big": 2**63 - 1,
        "name": 'Chè "Tân Cương" \\ Thái Nguyên',
        "tags": ["Hà Nội", 'a"b', "\\", {"k": [1, None]}],
    },
    {"id": 2, "at": None, "naive": None, "big": None, "name": None, "tags": None},
    {
        "id": 3,
        "at": datetime(2026, 12, 2, 0, 0, tzinfo=UTC),
        "naive": datetime(2026, 1, 2),
        "big": -(2**63),
        "name": '{"not": "json"}',
        "tags": [],
    },
]


@pytest.fixture
def table(engine: Engine) -> Any:
    metadata.create_all(engine)
    yield things
    metadata.drop_all(engine)


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(things).order_by(things.c.id))]


def test_insert_stores_what_execute_stores(engine: Engine, table: Table) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table), ROWS)
    expected = stored(engine)
    with engine.begin() as connection:
        connection.execute(table.delete())
        BatchInsert(table, COLUMNS).execute(connection, ROWS)
    assert stored(engine) == expected
    assert expected[0][1] == ROWS[0]["at"] and expected[0][1].tzinfo is not None
    assert expected[0][4] == ROWS[0]["name"] and expected[0][5] == ROWS[0]["tags"]


def test_update_sets_each_row_by_its_key(engine: Engine, table: Table) -> None:
    with engine.begin() as connection:
        BatchInsert(table, ("id", "name")).execute(
            connection, [{"id": n, "name": f"x{n}"} for n in (1, 2, 3, 4)]
        )
    with engine.begin() as connection:
        BatchUpdate(table, COLUMNS).execute(connection, ROWS)
    rows = stored(engine)
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    assert rows[3][4] == "x4"  # a row not in the batch is left alone
    with engine.begin() as connection:
        connection.execute(table.delete())
        connection.execute(insert(table), [*ROWS, {**dict.fromkeys(COLUMNS), "id": 4, "name": "x4"}])
    assert rows == stored(engine)


def test_an_empty_batch_does_nothing(engine: Engine, table: Table) -> None:
    with engine.begin() as connection:
        BatchInsert(table, COLUMNS).execute(connection, [])
        BatchUpdate(table, COLUMNS).execute(connection, [])
    assert stored(engine) == []


def test_a_bad_row_fails_the_batch_with_the_drivers_error(engine: Engine, table: Table) -> None:
    with engine.begin() as connection:
        BatchInsert(table, COLUMNS).execute(connection, ROWS[:1])
    with pytest.raises(IntegrityError), engine.begin() as connection:
        BatchInsert(table, COLUMNS).execute(connection, ROWS)  # id 1 again
    assert [row[0] for row in stored(engine)] == [1]  # nothing of the failed batch is kept


def test_text_the_database_refuses_is_not_a_transient_error(engine: Engine, table: Table) -> None:
    batch = [{"id": 1, "name": "a\x00b"}]
    if engine.dialect.name == "sqlite":  # SQLite stores a NUL character
        with engine.begin() as connection:
            BatchInsert(table, ("id", "name")).execute(connection, batch)
        assert stored(engine)[0][4] == "a\x00b"
        return
    with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
        BatchInsert(table, ("id", "name")).execute(connection, batch)
    assert not isinstance(raised.value, OperationalError)  # the scan writer gives such a row up


def test_a_naive_time_is_refused_before_anything_is_sent(engine: Engine, table: Table) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as connection:
        BatchInsert(table, ("id", "at")).execute(connection, [{"id": 1, "at": datetime(2026, 1, 1)}])
    assert stored(engine) == []


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_text_that_cannot_be_encoded_is_refused_before_anything_is_sent(engine: Engine, table: Table) -> None:
    """A lone surrogate has no UTF-8 form: a StatementError (which the scan writer gives up as
    a rejected row), not a UnicodeEncodeError out of the driver (which would end its thread)."""
    with pytest.raises(StatementError), engine.begin() as connection:
        BatchInsert(table, ("id", "name")).execute(connection, [{"id": 1, "name": "a\udcffb"}])
    assert stored(engine) == []

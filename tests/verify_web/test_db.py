"""The verify path's read connection (verify_web.core.db.reading): kept per thread across requests,
autocommit, and replaced after a database error; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Connection, func, literal, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tests.support.factories import make_world
from traceability.models import Producer
from verify_web.core import db
from verify_web.core.services import services


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """The app's context; the thread's read connection is closed afterwards."""
    with app.app_context():
        yield
    reader = services(app).reader
    if reader.connection is not None:
        reader.connection.close()
        reader.connection = None


def _idle(connection: Connection) -> bool:
    """True if the driver has no transaction open on this connection."""
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        from psycopg.pq import TransactionStatus

        return bool(raw.info.transaction_status == TransactionStatus.IDLE)  # type: ignore[union-attr]
    return not raw.in_transaction  # type: ignore[union-attr]


def _producers(connection: Connection) -> int:
    return int(connection.execute(select(func.count(Producer.id))).scalar_one())


@pytest.mark.usefixtures("app_context")
def test_same_connection_across_blocks() -> None:
    with db.reading() as first:
        assert first.execute(select(literal(1))).scalar() == 1
    with db.reading() as second:
        assert second.execute(select(literal(2))).scalar() == 2
    assert second is first and not first.closed


@pytest.mark.usefixtures("app_context")
def test_failed_connection_is_replaced() -> None:
    """A SQLAlchemyError inside the block closes the connection; the next block gets a new one."""
    with db.reading() as broken:
        assert broken.execute(select(literal(1))).scalar() == 1
    with pytest.raises(SQLAlchemyError), db.reading() as same:
        assert same is broken
        same.execute(text("SELEC 1"))
    assert broken.closed
    with db.reading() as fresh:
        assert fresh is not broken
        assert fresh.execute(select(literal(1))).scalar() == 1
    with db.reading() as kept:
        assert kept is fresh


@pytest.mark.usefixtures("app_context")
def test_other_errors_keep_the_connection() -> None:
    """An error that is not the database's says nothing about the connection: it is kept."""
    with db.reading() as first:
        first.execute(select(literal(1)))
    with pytest.raises(LookupError), db.reading():
        raise LookupError("not a database error")
    with db.reading() as second:
        assert second is first and second.execute(select(literal(1))).scalar() == 1


@pytest.mark.usefixtures("app_context")
def test_reads_see_the_latest_commit(app_session: Session) -> None:
    """Autocommit: no transaction stays open between blocks, so the next read sees other
    sessions' commits."""
    with db.reading() as connection:
        before = _producers(connection)
        assert _idle(connection)
    make_world(app_session)
    app_session.commit()
    with db.reading() as connection:
        assert _producers(connection) == before + 1
        assert _idle(connection)


@pytest.mark.usefixtures("app_context")
def test_connection_per_thread_and_process(app: Flask) -> None:
    """Another thread gets its own connection; one inherited from another process is not used."""
    with db.reading() as mine:
        mine.execute(select(literal(1)))
    theirs: list[Connection] = []

    def other_thread() -> None:
        with app.app_context(), db.reading() as connection:
            connection.execute(select(literal(1)))
            theirs.append(connection)
        connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=10)
    assert len(theirs) == 1 and theirs[0] is not mine
    services(app).reader.pid = -1  # as if this process had been forked
    with db.reading() as after_fork:
        assert after_fork is not mine
        assert after_fork.execute(select(literal(1))).scalar() == 1
    mine.close()

"""The request owns the database session: opened on first use, committed when the response is
a success, rolled back otherwise, and always closed.

Each wait for PostgreSQL's answer during a request is limited (:mod:`traceability.deadline`):
:data:`VERIFY_WAIT` on the routes a phone or a monitor waits on, :data:`REQUEST_WAIT` on the
others, so a server that takes a statement and never answers (a table locked by a migration,
a server stuck on its disk, a pooler with no free connection) is the outage's 503 instead of
a worker killed by gunicorn's 30 s timeout with its queued scans.

The verify routes' hot path reads through :func:`reading` instead: a plain Core connection in
autocommit mode, kept by each worker thread, for the one primary-key read a repeat
verification needs. Autocommit means every statement reads the latest committed data and no
transaction stays open between requests; keeping the connection skips the ORM session's
bookkeeping and the pool's checkout and reset, which together cost more than the read itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask, Response, g, request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from traceability import deadline, make_engine
from traceability.transactions import retrying
from verify_web.core import forksafe
from verify_web.core.services import services

T = TypeVar("T")

VERIFY_WAIT = 5.0  # seconds a wait may last on the routes below and the verify fast path
VERIFY_BLUEPRINTS = frozenset({"scan", "api", "gs1", "revlist", "health"})
REQUEST_WAIT = 25.0  # seconds on every other route: under gunicorn's timeout (30 s)


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"], prepared_statements=app.config["DATABASE_PREPARED_STATEMENTS"]
    )
    shared = services(app)
    shared.engine = engine
    shared.sessionmaker = sessionmaker(engine, expire_on_commit=False)
    shared.reader = Reader()
    app.before_request(_limit_request_waits)
    app.after_request(_commit)
    app.teardown_appcontext(_unlimit)  # after _close (Flask calls these in reverse order)
    app.teardown_appcontext(_close)


def limit_waits(seconds: float) -> None:
    """Limit each wait for the database to ``seconds`` until this app context ends (the
    verify fast path; :func:`_limit_request_waits` for Flask's requests)."""
    # A request run inside an app context that was already there (a test's, a command's)
    # ends without its own teardown: its limit is replaced, not stacked and left behind.
    _unlimit(None)
    g.ocop_wait_limit = deadline.limit_waits(seconds)


def _limit_request_waits() -> None:
    limit_waits(VERIFY_WAIT if request.blueprint in VERIFY_BLUEPRINTS else REQUEST_WAIT)


def _unlimit(_exc: BaseException | None) -> None:
    token = g.pop("ocop_wait_limit", None)
    if token is not None:
        deadline.unlimit(token)


def engine() -> Engine:
    engine: Engine = services().engine
    return engine


def session() -> Session:
    """Return this request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = services().sessionmaker()
    db: Session = g.db_session
    return db


def write(work: Callable[[Session], T]) -> T:
    """Run an admin write in its own transaction, committed before the response is drawn and
    run again if PostgreSQL aborted it for a concurrent transaction (see
    :func:`traceability.transactions.retrying`, which says what is returned and raised)."""
    result: T = retrying(services().sessionmaker, work)
    return result


class Reader(threading.local):
    """One autocommit connection per thread and process (a forked worker opens its own)."""

    pid: int | None = None
    connection: Connection | None = None


@contextmanager
def reading() -> Iterator[Connection]:
    """Yield this thread's read connection. Each statement runs in its own transaction; a
    connection that fails is closed, and the next call opens a new one."""
    holder: Reader = services().reader
    connection = holder.connection
    if connection is None or holder.pid != forksafe.pid() or connection.invalidated or connection.closed:
        connection = engine().connect().execution_options(isolation_level="AUTOCOMMIT")
        holder.connection, holder.pid = connection, forksafe.pid()
    try:
        yield connection
    except SQLAlchemyError:
        holder.connection = None
        connection.close()
        raise


def _commit(response: Response) -> Response:
    settle(succeeded=response.status_code < 400)
    return response


def settle(*, succeeded: bool) -> None:
    """Commit the request's session, if it opened one, when its answer is a success, else roll
    it back (Flask's after-request hook, and the verify fast path). Committed, not left to the
    teardown's rollback, also for reads: a rollback expires the loaded rows the verify path
    keeps across requests (the lot's journey)."""
    db: Session | None = g.get("db_session")
    if db is not None:
        if succeeded:
            db.commit()
        else:
            db.rollback()


def _close(_exc: BaseException | None) -> None:
    db: Session | None = g.pop("db_session", None)
    if db is not None:
        db.rollback()
        db.close()

"""Engines and migrations. Sessions are made by the caller (the web request, a CLI command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError

from .deadline import BoundedConnection
from .exc import ValidationError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
MIGRATIONS = Path(__file__).parent / "migrations"


def parse_database_url(url: str) -> URL:
    """Return the parsed URL, with PostgreSQL URLs pinned to the psycopg 3 driver.

    Raises :class:`ValidationError` (field ``DATABASE_URL``) if the URL is malformed, names
    an unsupported database, or is an in-memory SQLite database (which each connection would
    see empty).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ValidationError("DATABASE_URL", "not a database URL: %(url)r", url=url) from e
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ValidationError(
            "DATABASE_URL", "unsupported database %(backend)r; use sqlite or postgresql", backend=backend
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValidationError("DATABASE_URL", "SQLite needs a file path, e.g. sqlite:///instance/ocop.db")
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# libpq's own settings for a PostgreSQL server that stops answering: at most this long to
# connect (the whole start-up, so a host that accepts and never answers counts too), and at
# most this long for data sent on a connection to stay unacknowledged (a host gone from the
# network; a server that is up but slow is not affected).
NETWORK_TIMEOUTS: dict[str, int] = {"connect_timeout": 3, "tcp_user_timeout": 5000}  # seconds; ms
# Seconds a SQLite statement waits for another connection's write lock before "database is
# locked" (the web app's outage answers that with a 503). Under gunicorn's 30 s worker timeout
# (tests/test_gunicorn_conf.py checks it), so that a staff write behind a long write answers
# instead of having its worker killed with the worker's queued scans; the longest write the
# service makes here, a scans purge batch, holds the lock ~0.15 s (docs/performance.md).
SQLITE_BUSY_TIMEOUT = 20


def make_engine(url: str | URL, *, prepared_statements: bool = True, **kwargs: Any) -> Engine:
    """Return an engine for ``url``. SQLite gets foreign keys, WAL and a busy timeout so that
    several gunicorn workers can share one file.

    On PostgreSQL, psycopg prepares a statement on the server once a connection has run it 5
    times. ``prepared_statements=False`` turns that off, for a connection pooler in transaction
    mode that does not track them: behind PgBouncer 1.18 (Debian 12's) with
    ``pool_mode = transaction``, two clients meet each other's statements on the shared server
    connection (``prepared statement "_pg3_0" already exists``, or another client's statement
    run with this one's parameters), and with it off they do not
    (``tests/traceability/test_pooler.py``; docs/scaling.md, step 3). PgBouncer 1.21 and
    later, with ``max_prepared_statements`` set, needs no change.

    A PostgreSQL server that does not answer is an error within seconds, not a hang
    (:data:`NETWORK_TIMEOUTS`; a URL's own ``?connect_timeout=`` or ``?tcp_user_timeout=``
    wins): libpq's default is to wait for the operating system, about two minutes for a
    connection to a host that drops its packets and up to a quarter of an hour for a query
    sent on a connection whose host went away, so gunicorn would kill the workers (its 30 s
    timeout) before the verify routes could answer their 503.

    Raises :class:`ValidationError` for a bad URL; nothing is connected yet.
    """
    parsed = url if isinstance(url, URL) else parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    timeouts = {name: value for name, value in NETWORK_TIMEOUTS.items() if name not in parsed.query}
    connect_args = timeouts | kwargs.get("connect_args", {})
    if not prepared_statements:
        connect_args["prepare_threshold"] = None
    return create_engine(parsed, **kwargs | {"connect_args": connect_args})


def connect_driver(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
    """An engine's ``do_connect`` for a caller that limits its waits (the web app's, through its
    outage's connector): on psycopg, a :class:`.deadline.BoundedConnection`, whose waits keep
    to :func:`.deadline.limit_waits`; else the dialect's own connection. Returns the driver's
    connection; raises the driver's errors."""
    if dialect.driver == "psycopg":
        return BoundedConnection.connect(*cargs, **cparams)
    return dialect.connect(*cargs, **cparams)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT * 1000}")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration that migrates ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """Return the database's migration revision, or ``None`` if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

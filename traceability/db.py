"""Engines and migrations. Sessions are made by the caller (the web request, a CLI command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

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

    Raises :class:`ValidationError` for a bad URL; nothing is connected yet.
    """
    parsed = url if isinstance(url, URL) else parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if not prepared_statements:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": None}
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
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

"""Backups of the registry database while the service keeps running, and their restore.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in one step,
inside one read transaction, so the copy is the database as it was when the step began; WAL
mode lets the scan writer keep committing meanwhile. PostgreSQL: ``pg_dump --format=custom``
reads in one repeatable-read snapshot taken when it starts, and ``pg_restore`` loads it in a
single transaction. Either way a backup holds every row committed before it started.

Backup files are created owner-only (mode 600) and never overwrite an existing file. A restore
refuses a database that already has tables unless ``replace`` is given.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from alembic.util.exc import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .db import upgrade
from .exc import BackupError
from .services import registry_version, revocation_feed

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def backup(engine: Engine, out: Path) -> int:
    """Write a backup of ``engine``'s database to the new file ``out``; return its size in bytes.

    Raises :class:`BackupError` if ``out`` exists or cannot be created, the database cannot be
    read, or ``pg_dump`` fails (its first line of error is the reason). Nothing is left at
    ``out`` after a failure.
    """
    url = engine.url
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise BackupError(out, f"cannot create the backup file: {e.strerror}") from e
    try:
        if url.get_backend_name() == "sqlite":
            os.close(fd)
            _sqlite_backup(Path(str(url.database)), out)
        else:
            with os.fdopen(fd, "wb") as stream:
                _run(url, "pg_dump", ["--format=custom", "--dbname", _libpq(url)], stdout=stream)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def restore(engine: Engine, source: Path, *, replace: bool = False, now: datetime | None = None) -> int:
    """Load the backup ``source`` into ``engine``'s database, in one transaction, migrate it to
    this release's schema, and raise the revocation list's version past every version served
    before (``now``: the restore's time, default the clock's), and the registry version past
    any a worker may have cached; return the revocation list's version.

    Raises :class:`BackupError` if ``source`` is missing or not a backup for this kind of
    database, the database already has tables and ``replace`` is false, ``pg_restore`` fails
    (the database is then as it was), or the backup is of a schema this release does not know
    (a newer release's: the data is restored, the service will not run on it).
    """
    try:
        with source.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise BackupError(source, f"cannot read the backup: {e.strerror}") from e
    url = engine.url
    sqlite = url.get_backend_name() == "sqlite"
    expected, other = (SQLITE_MAGIC, PG_DUMP_MAGIC) if sqlite else (PG_DUMP_MAGIC, SQLITE_MAGIC)
    if not head.startswith(expected):
        kind = "SQLite" if sqlite else "PostgreSQL (pg_dump --format=custom)"
        hint = "; it is a backup of the other database kind" if head.startswith(other) else ""
        raise BackupError(source, f"not a {kind} backup{hint}")
    tables = _table_count(engine)
    if tables and not replace:
        raise BackupError(
            url.render_as_string(hide_password=True),
            f"the database is not empty ({tables} tables); pass --replace to overwrite it",
        )
    served = _served_version(engine) if tables else 0
    if sqlite:
        _sqlite_restore(source, Path(str(url.database)))
    else:
        clean = ["--clean", "--if-exists"] if tables else []
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *clean]
        _run(url, "pg_restore", [*options, "--dbname", _libpq(url), str(source)])
    engine.dispose()  # connections opened on the database as it was before
    try:
        upgrade(engine)  # a backup of an older release gets this release's tables
    except CommandError as e:  # a revision this release does not know: a newer release's backup
        raise BackupError(source, f"restored, but its schema is not one this release knows ({e})") from e
    with Session(engine) as session, session.begin():
        # Workers on other hosts cache what they judged under the registry version; the
        # restored registry must not carry a number one of them has seen with other facts.
        registry_version.rebase(session, floor=_clock_floor(now))
        return revocation_feed.rebase(session, floor=max(served + 1, _clock_floor(now)))


def _served_version(engine: Engine) -> int:
    """The revocation list version the database being replaced has served (0 if it has none:
    a database of another release, or not ours)."""
    try:
        with Session(engine) as session:
            return revocation_feed.current_version(session)
    except DBAPIError:  # no revocation_list_state table: nothing was served from it
        return 0


def _clock_floor(now: datetime | None) -> int:
    """A version above any served before the restore when the replaced database is lost: the
    restore's time in milliseconds since 1970. Versions count revocations one by one from 0
    (or from an earlier restore's floor), far fewer than a thousand a second, so every version
    served before is lower; a later restore has a later floor (docs/revocation-list.md §5)."""
    return int((now or datetime.now(UTC)).timestamp() * 1000)


def _sqlite_backup(database: Path, out: Path) -> None:
    if not database.is_file():
        raise BackupError(database, "no SQLite database here")
    try:
        with _connect(database) as source, _connect(out) as target:
            source.backup(target)  # all pages in one step: one consistent snapshot
    except sqlite3.Error as e:
        raise BackupError(database, f"cannot back up: {e}") from e


def _sqlite_restore(source: Path, database: Path) -> None:
    try:
        with _connect(source, read_only=True) as backup_db, _connect(database) as target:
            backup_db.backup(target)  # replaces every page under the target's write lock
    except sqlite3.Error as e:
        raise BackupError(source, f"cannot restore: {e}") from e


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _table_count(engine: Engine) -> int:
    if engine.url.get_backend_name() == "sqlite":
        database = Path(str(engine.url.database))
        if not database.exists():
            return 0
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    with engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def _libpq(url: URL) -> str:
    """The URL as libpq takes it: no SQLAlchemy driver, no password (that goes in PGPASSWORD,
    not on a command line that ``ps`` shows)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(url: URL, program: str, arguments: list[str], *, stdout: IO[bytes] | None = None) -> None:
    binary = pg_binary(program)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(  # noqa: S603 - fixed program, arguments are ours
        [binary, *arguments],
        stdout=stdout or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(
            url.render_as_string(hide_password=True), f"{program} failed: {(lines or ['?'])[0]}"
        )


def pg_binary(program: str) -> str:
    """The PostgreSQL client ``program`` on the PATH, else the newest in Debian's
    ``/usr/lib/postgresql/*/bin``. Raises :class:`BackupError` if there is none."""
    found = shutil.which(program)
    if found:
        return found
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in folders:
        candidate = Path(folder) / program
        if candidate.exists():
            return str(candidate)
    raise BackupError(program, "not found; install Debian's postgresql-client package")

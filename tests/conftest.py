"""Shared fixtures. Database tests run on a real SQLite file and on a real PostgreSQL server
that this suite starts; each test gets a fresh database cloned from a migrated template."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from keys import Keyring, KeyStatus, Keystore, PrivateKey, PublicKey, private_key_from_seed
from labels import LabelSerializer
from tests.support import require
from tests.support.apps import close_app, make_app
from tests.support.constants import BASE_URL, PASSPHRASE
from tests.support.pg import PostgresServer, fresh_database, running_server
from tests.support.pgbouncer import PgBouncer, find_pgbouncer
from traceability import make_engine, upgrade


def _scan_writers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "scan-writer" and t.is_alive()}


@pytest.fixture(autouse=True)
def _no_scan_writer_left() -> Iterator[None]:
    """Fail the test that leaves a scan-writer thread running (an app it built and never
    closed: see :func:`tests.support.apps.close_app`). Torn down after every other fixture."""
    before = _scan_writers()
    yield
    left = _scan_writers() - before
    assert not left, f"{len(left)} scan-writer thread(s) left running: close the app (close_app)"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with running_server() as server:
        template = make_engine(server.url())
        with template.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("CREATE DATABASE ocop_template"))
        template.dispose()
        migrated = make_engine(server.url("ocop_template"))
        upgrade(migrated)
        migrated.dispose()
        yield server


@pytest.fixture(scope="session")
def pgbouncer(pg_server: PostgresServer) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the suite's server (docs/scaling.md, step 3)."""
    executable = find_pgbouncer()
    require(executable is not None, "PgBouncer", "install Debian's 'pgbouncer' package")
    assert executable is not None
    bouncer = PgBouncer(pg_server, executable)
    bouncer.start()
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ocop.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "ocop.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    with fresh_database(server, "t", template="ocop_template") as name:
        yield server.url(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def test_key() -> PrivateKey:
    """The fixed test key of docs/vectors (seed 0x00..0x1f). Never a production key."""
    return private_key_from_seed(bytes(range(32)))


@pytest.fixture(scope="session")
def keyring(test_key: PrivateKey) -> Keyring:
    return Keyring(
        [PublicKey(test_key.kid, test_key.public_key, KeyStatus.ACTIVE, datetime(2026, 1, 1, tzinfo=UTC))]
    )


@pytest.fixture(scope="session")
def serializer(keyring: Keyring) -> LabelSerializer:
    return LabelSerializer(BASE_URL, keyring)


@pytest.fixture(scope="session")
def key_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key store with one active key, made once: sealing a key costs an Argon2id derivation
    (hundreds of ms, on purpose), so each app copies this store instead of making its own."""
    folder = tmp_path_factory.mktemp("key-template") / "keys"
    Keystore(folder).generate(PASSPHRASE.encode())
    return folder


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_template: Path) -> Iterator[Flask]:
    """The app on a fresh database with its own copy of a signing key store."""
    app = make_app(db_url, tmp_path, key_template, monkeypatch)
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, for arranging and checking what requests did."""
    with Session(services(app).engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app_signer(app: Flask) -> PrivateKey:
    key: PrivateKey = services(app).keystore.signer(PASSPHRASE.encode())
    return key


from tests.support.browser import browser, live_server, page  # noqa: E402,F401 - fixtures
from verify_web.core.services import services  # noqa: E402

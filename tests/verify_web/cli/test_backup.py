"""``ocop backup`` under scan load and ``ocop restore``: every row committed before the backup
started is in the restored database, on SQLite and PostgreSQL; bad input is one line."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.cli import run
from tests.support.constants import BASE_URL, TEST_SECRET
from tests.support.factories import World, issue, make_world
from tests.support.pg import PostgresServer, fresh_database
from traceability.models import Certification, Label, Lot, Product, Scan
from traceability.services import revocations, scans
from traceability.services.registry_version import registry_version
from verify_web import create_app
from verify_web.core.services import services


@pytest.fixture
def target_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``db_url`` (not migrated)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'ocop.db'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    with fresh_database(server, "r") as name:
        yield server.url(name)


def cli_for(url: str, tmp_path: Path) -> tuple[FlaskCliRunner, Engine]:
    other = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": TEST_SECRET,
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_INSTANCE": str(tmp_path),
        }
    )
    return other.test_cli_runner(), services(other).engine


class Load:
    """A thread committing, over and over, two new labels and one scan of each."""

    def __init__(self, engine: Engine, world: World, signer: PrivateKey) -> None:
        self.engine, self.signer = engine, signer
        self.ids = (world.product.id, world.certification.id, world.lot.id)
        self.committed: list[tuple[str, list[int]]] = []  # (scan source tag, label serials)
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                tag = f"load-{n}"
                with Session(self.engine, expire_on_commit=False) as s, s.begin():
                    product, certification, lot = (
                        s.get(Product, self.ids[0]),
                        s.get(Certification, self.ids[1]),
                        s.get(Lot, self.ids[2]),
                    )
                    assert product and certification and lot
                    made = issue(s, World(product, certification, lot), self.signer, 2)
                    rows = [
                        scans.scan_row(
                            serial=label.serial,
                            label_id=label.id,
                            verdict="genuine",
                            channel="api",
                            area=None,
                            device=None,
                            source_hash=tag,
                        )
                        for label in made
                    ]
                    scans.record_scans(s, rows)
                    serials = [label.serial for label in made]
                self.committed.append((tag, serials))
                n += 1
        except BaseException as e:  # reported by the test, not lost in the thread
            self.failure = e

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.committed) < count and time.monotonic() < deadline and self.failure is None:
            time.sleep(0.01)
        assert self.failure is None and len(self.committed) >= count


def test_backup_under_load_restores_every_committed_row(
    app: Flask,
    app_session: Session,
    app_signer: PrivateKey,
    runner: FlaskCliRunner,
    tmp_path: Path,
    target_url: str,
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 50)
    rows = [
        scans.scan_row(
            serial=label.serial,
            label_id=label.id,
            verdict="genuine",
            channel="web",
            area="Hà Nội",
            device="Android",
            source_hash=f"pre-{i}",
        )
        for i, label in enumerate(labels * 40)
    ]
    scans.record_scans(app_session, rows)
    app_session.commit()
    load = Load(services(app).engine, world, app_signer)
    load.thread.start()
    try:
        load.wait_for(5)
        before = list(load.committed)  # committed before the backup starts
        out = tmp_path / "ocop.backup"
        code, output = run(runner, "backup", out)
        assert code == 0, output
        assert output.startswith("Backed up ") and "bytes" in output
        load.wait_for(len(before) + 5)  # the load went on after the backup
    finally:
        load.stop.set()
        load.thread.join()
    assert load.failure is None
    assert out.stat().st_mode & 0o777 == 0o600
    restorer, restored = cli_for(target_url, tmp_path)
    code, output = run(restorer, "restore", out)
    assert code == 0, output
    with Session(restored) as s:
        tags = set(s.scalars(select(Scan.source_hash)))
        serials = set(s.scalars(select(Label.serial)))
        assert len(s.scalars(select(Scan.id)).all()) >= len(rows)
    for tag, made in before:
        assert tag in tags and set(made) <= serials, tag
    assert {f"pre-{i}" for i in range(len(rows))} <= tags
    # A transaction is in the backup whole or not at all.
    for tag, made in load.committed:
        assert (tag in tags) == set(made).issubset(serials) == bool(set(made) & serials), tag
    assert len(before) < len(load.committed) and tags != {tag for tag, _ in load.committed}
    restored.dispose()


def test_restore_refuses_a_database_with_tables_unless_replace(
    app: Flask, app_session: Session, app_signer: PrivateKey, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 3)
    app_session.commit()
    out = tmp_path / "ocop.backup"
    assert run(runner, "backup", out)[0] == 0
    issue(app_session, world, app_signer, 4)
    app_session.commit()
    code, output = run(runner, "restore", out)
    assert code == 1 and output.startswith("Error: ") and "pass --replace" in output
    assert len(output.strip().splitlines()) == 1
    services(app).engine.dispose()
    code, output = run(runner, "restore", "--replace", out)
    assert code == 0, output
    app_session.expire_all()
    assert len(app_session.scalars(select(Label.id)).all()) == 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_paths_are_one_line_errors(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "ocop.backup"
    assert run(runner, "backup", out)[0] == 0
    size = out.stat().st_size
    cases = [
        (("backup", out), "cannot create the backup file: File exists"),
        (("backup", tmp_path / "no" / "such" / "dir" / "x.backup"), "No such file or directory"),
        (("restore", tmp_path / "missing.backup"), "cannot read the backup"),
    ]
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    cases.append((("restore", junk), "not a SQLite backup"))
    dump = tmp_path / "pg.backup"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    cases.append((("restore", dump), "not a SQLite backup; it is a backup of the other database kind"))
    for args, message in cases:
        code, output = run(runner, *args)
        assert code == 1 and output.startswith("Error: ") and message in output, output
        assert len(output.strip().splitlines()) == 1 and "Traceback" not in output
    assert out.stat().st_size == size  # the existing backup was not touched
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_unreachable_postgresql_is_one_line_error(tmp_path: Path) -> None:
    runner, _engine = cli_for("postgresql://nobody@127.0.0.1:1/none", tmp_path)
    out = tmp_path / "x.backup"
    code, output = run(runner, "backup", out)
    assert code == 1 and output.startswith("Error: ") and "pg_dump failed: " in output, output
    assert len(output.strip().splitlines()) == 1 and not out.exists()


def _list(client: FlaskClient, since: int | None = None) -> tuple[str, dict[str, Any]]:
    """The revocation list as served: (JWS typ, payload), read without checking the signature
    (test_revlist_api.py checks that)."""
    response = client.get("/api/v1/revocation-list" + ("" if since is None else f"?since={since}"))
    assert response.status_code == 200, response.data
    head, payload, _signature = response.data.split(b".")
    pad = lambda part: part + b"=" * (-len(part) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(head)))["typ"], json.loads(
        base64.urlsafe_b64decode(pad(payload))
    )


def test_restore_raises_the_revocation_list_past_what_clients_hold(
    app: Flask, app_session: Session, app_signer: PrivateKey, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    client = app.test_client()
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 3)
    for label in labels[:1]:
        revocations.revoke(
            app_session, actor="t", target="label", ref={"serial": label.serial}, reason="counterfeit"
        )
    app_session.commit()
    out = tmp_path / "ocop.backup"
    assert run(runner, "backup", out)[0] == 0
    # After the backup: a revocation the restore will lose, which a phone has already fetched.
    revocations.revoke(
        app_session, actor="t", target="label", ref={"serial": labels[1].serial}, reason="counterfeit"
    )
    app_session.commit()
    typ, held = _list(client)
    assert held["version"] == 2 and len(held["entries"]) == 2
    services(app).engine.dispose()
    before = int(time.time() * 1000)
    code, output = run(runner, "restore", "--replace", out)
    assert code == 0, output
    typ, full = _list(client)
    with Session(services(app).engine) as fresh:  # workers drop all they judged before
        assert registry_version(fresh) >= before
    # Higher than anything served before (a client accepts it as newer), at least the
    # restore's time in ms, and holding only what the restored registry holds.
    assert full["version"] > held["version"] and full["version"] >= before
    assert f"version {full['version']:,}" in output
    assert [e["serial"] for e in full["entries"]] == [str(labels[0].serial)]
    # A delta from a version served before the restore would build on entries the registry
    # no longer has (ids are given again): the full list instead, from below the restore too.
    assert _list(client, since=held["version"])[0] == "ocop-revocation-list+jws"
    assert _list(client, since=1)[0] == "ocop-revocation-list+jws"
    typ, empty = _list(client, since=full["version"])
    assert typ == "ocop-revocation-delta+jws" and empty["add"] == [] and empty["remove"] == []
    # Revocations after the restore follow on from its version, as deltas.
    app_session.expire_all()
    revocations.revoke(
        app_session, actor="t", target="label", ref={"serial": labels[2].serial}, reason="counterfeit"
    )
    app_session.commit()
    typ, delta = _list(client, since=full["version"])
    assert typ == "ocop-revocation-delta+jws" and delta["version"] == full["version"] + 1
    assert [e["serial"] for e in delta["add"]] == [str(labels[2].serial)]
    # Restoring the same backup again (a second failure) still goes past everything served.
    services(app).engine.dispose()
    assert run(runner, "restore", "--replace", out)[0] == 0
    assert _list(client)[1]["version"] > delta["version"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_newer_releases_backup_is_a_one_line_error(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    out = tmp_path / "ocop.backup"
    assert run(runner, "backup", out)[0] == 0
    with sqlite3.connect(out) as connection:  # as if a later release had migrated it further
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    services(app).engine.dispose()
    code, output = run(runner, "restore", "--replace", out)
    assert code == 1 and output.startswith("Error: ") and len(output.strip().splitlines()) == 1
    assert "schema is not one this release knows" in output and "0099_future" in output

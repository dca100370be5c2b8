"""The verify site behind PgBouncer in transaction mode (docs/scaling.md, step 3), with
``DATABASE_PREPARED_STATEMENTS=off``: every verification answers, every scan is written, and
a revocation shows at the next request. Each request, the scan writer and the staff session
are separate client connections sharing the pooler's one server connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from tests.support.pg import PostgresServer, fresh_database
from tests.support.pgbouncer import PgBouncer
from traceability.services import revocations, scans
from verify_web.hotpath.scan_recorder import writer

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(pg_server: PostgresServer, pgbouncer: PgBouncer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Overrides the suite's fixture: a fresh migrated database, reached through the pooler."""
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "off")
    with fresh_database(pg_server, "b", template="ocop_template") as name:
        yield pgbouncer.url(name)


def test_verify_site_works_through_the_pooler(
    app: Flask, client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    assert app.config["DATABASE_PREPARED_STATEMENTS"] is False
    path = Codes.path(codes.genuine)
    before = scans.count_scans(app_session, label_id=codes.genuine_label.id)
    app_session.commit()  # an open transaction keeps the pooler's one server connection
    for _ in range(10):  # past psycopg's 5 runs, after which a statement would be prepared
        assert client.get(f"/api/v1/verify/{path[3:]}").get_json()["status"] == "genuine"
        assert 'data-status="genuine"' in client.get(path).get_data(as_text=True)
    writer(app).flush()
    assert writer(app).abandoned == 0
    assert scans.count_scans(app_session, label_id=codes.genuine_label.id) == before + 20
    app_session.commit()
    revocations.revoke(
        app_session,
        actor="admin",
        target="label",
        ref={"serial": codes.genuine_label.serial},
        reason="counterfeit",
    )
    app_session.commit()
    assert client.get(f"/api/v1/verify/{path[3:]}").get_json()["status"] == "revoked"
    assert client.get("/healthz").status_code == 200

"""A database outage on PostgreSQL: the verify routes answer 503 with Retry-After (a
Vietnamese page, JSON for the API), the log says so once and once more at the end — no
traceback — and the site answers again by itself when the server is back."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.support.apps import make_app
from tests.support.codes import Codes
from tests.support.pg import PostgresServer, running_server
from traceability import make_engine, upgrade
from traceability.db import NETWORK_TIMEOUTS
from verify_web.core.outage import PAUSE_CONNECTING, RETRY_AFTER
from verify_web.core.services import services

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def own_server() -> Iterator[PostgresServer]:
    """A server of this module's own, as the suite's shared one must not be stopped."""
    with running_server() as server:
        yield server


@pytest.fixture
def db_url(own_server: PostgresServer) -> str:
    """Overrides the suite's fixture: a fresh migrated database on the module's server."""
    name = f"o_{uuid.uuid4().hex[:12]}"
    admin = make_engine(own_server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    migrated = make_engine(own_server.url(name))
    upgrade(migrated)
    migrated.dispose()
    return own_server.url(name)


def _verify_routes(codes: Codes) -> list[str]:
    digits = Codes.path(codes.genuine)[3:]
    return [Codes.path(codes.genuine), f"/api/v1/verify/{digits}", "/check?code=ABCD-EFGH-JKLM"]


def test_outage_answers_503_with_retry_after_and_logs_once(
    client: FlaskClient, codes: Codes, own_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    routes = _verify_routes(codes)
    assert client.get(routes[0]).status_code == 200
    own_server.pause()
    try:
        caplog.clear()
        for _ in range(3):
            for route in routes:
                answer = client.get(route, headers={"Accept-Language": "vi"})
                assert answer.status_code == 503, route
                assert answer.headers["Retry-After"] == str(RETRY_AFTER)
                if route.startswith("/api/"):
                    assert answer.json == {
                        "error": {
                            "code": 503,
                            "name": "Service Unavailable",
                            "message": "Hiện không thể kiểm tra tem. Vui lòng thử lại sau ít phút.",
                        }
                    }
                else:
                    assert "Hiện không thể kiểm tra tem" in answer.get_data(as_text=True)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.getMessage().split(" (")[0] for r in errors] == ["database unavailable"]
        assert not any(r.exc_info for r in caplog.records)  # no traceback
    finally:
        own_server.resume()
    deadline = time.monotonic() + 15
    status, ended = 503, []
    # The end is logged by the first answered request that finds the database back (checked
    # at most once a second), so ask until both show.
    while not (status == 200 and ended) and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(routes[0]).status_code
        ended = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert status == 200
    assert len(ended) == 1 and "requests answered 503" in ended[0]


def test_a_database_host_that_never_answers_is_a_503_in_seconds(
    codes: Codes, tmp_path: Path, key_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database host that takes the connection and never answers (frozen, or dropping its
    packets once connected): the verify routes answer the outage's 503 after libpq's connect
    timeout, where they used to wait for the operating system (minutes) and be killed by
    gunicorn's worker timeout first; the requests right after it answer at once, without an
    attempt of their own, and the routes without a database answer meanwhile."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        silent = f"postgresql://ocop@127.0.0.1:{listener.getsockname()[1]}/ocop"
        app = make_app(silent, tmp_path / "silent", key_template, monkeypatch)  # the same signing key
        try:
            client = app.test_client()
            page, api = _verify_routes(codes)[:2]
            began = time.monotonic()
            first = client.get(page, headers={"Accept-Language": "vi"})
            attempt = time.monotonic() - began
            assert first.status_code == 503 and first.headers["Retry-After"] == str(RETRY_AFTER)
            assert "Hiện không thể kiểm tra tem" in first.get_data(as_text=True)
            timeout = NETWORK_TIMEOUTS["connect_timeout"]
            assert timeout - 0.5 < attempt < timeout + 5
            began = time.monotonic()
            answers = [client.get(route) for route in (api, page, api)]
            assert [a.status_code for a in answers] == [503, 503, 503]
            assert time.monotonic() - began < PAUSE_CONNECTING  # no attempt of their own
            assert client.get("/healthz").status_code == 503
            assert client.get("/ping").status_code == 200
        finally:
            services(app).engine.dispose()

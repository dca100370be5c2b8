"""JSON log lines inside a request carry its id; the id is the proxy's if sane, else new."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.support.codes import Codes
from verify_web.core.logs import JsonFormatter
from verify_web.core.services import services
from verify_web.hotpath.scanwriter import ScanWriter


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unexpected_error_logged_as_one_json_line_with_the_request_id(
    app: Flask, captured: io.StringIO
) -> None:
    def boom() -> str:
        return str(1 // 0)

    app.add_url_rule("/boom-for-test", view_func=boom)
    response = app.test_client().get("/boom-for-test", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "req-42"
    lines = captured.getvalue().splitlines()
    (entry,) = [json.loads(line) for line in lines if "boom-for-test" in line]
    assert entry["request_id"] == "req-42" and entry["level"] == "ERROR"
    assert entry["message"] == "unhandled error on GET /boom-for-test"
    assert "ZeroDivisionError" in entry["exception"] and entry["logger"] == "verify_web.errors"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("given", ["", "a b", "x" * 129, "<script>", "id;drop", "é"])
def test_insane_incoming_id_replaced(app: Flask, given: str) -> None:
    response = app.test_client().get("/ping", headers={"X-Request-ID": given})
    returned = response.headers["X-Request-ID"]
    assert returned != given and len(returned) == 32 and int(returned, 16) >= 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_request_gets_its_own_id(app: Flask) -> None:
    client = app.test_client()
    ids = {client.get("/ping").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_line_outside_a_request_has_no_id() -> None:
    record = logging.LogRecord(
        "verify_web.scanwriter", logging.WARNING, __file__, 1, "writing %d scans", (3,), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "writing 3 scans" and "request_id" not in entry
    assert entry["time"].endswith("+00:00")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_line_of_the_verify_fast_path_has_the_request_id(
    app: Flask, codes: Codes, captured: io.StringIO
) -> None:
    """The fast path answers without Flask's request context; a line it writes (here the
    scan writer refusing a scan, with a queue bound of 0) still names its request, and a
    line written after the request names none."""
    engine = services(app).engine
    services(app).scan_writer = ScanWriter(engine, max_pending=0)
    digits = Codes.path(codes.genuine)[3:]
    phone = {
        "User-Agent": "Mozilla/5.0 (Linux; Android 13; SM-A045F) Chrome/120 Mobile",
        "X-Request-ID": "req-fast",
    }
    response = app.test_client().get(f"/api/v1/verify/{digits}", headers=phone)
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-fast"
    logging.getLogger("verify_web.test").warning("after the request")
    entries = [json.loads(line) for line in captured.getvalue().splitlines()]
    (shed,) = [e for e in entries if e["message"].startswith("scan queue full")]
    assert shed["request_id"] == "req-fast"
    (after,) = [e for e in entries if e["message"] == "after the request"]
    assert "request_id" not in after

"""Metrics in one process: who may read /metrics, and what each counter counts.

The gunicorn side (several workers merged, the folder's mode, a dead worker's gauges) is in
``test_ops_gunicorn.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tests.support.codes import Codes
from tests.support.constants import BASE_URL, TEST_SECRET
from verify_web import create_app
from verify_web.core.services import services
from verify_web.errors import ConfigError
from verify_web.hotpath.scan_recorder import writer

TOKEN = "metrics-token-for-tests-only-" + "m" * 20


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metered(app: Flask) -> Flask:
    app.config["OCOP_METRICS_TOKEN"] = TOKEN
    return app


def test_no_token_configured_means_no_route(app: Flask) -> None:
    assert app.config["OCOP_METRICS_TOKEN"] is None
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"],
)
def test_metrics_refused_without_the_token(metered: Flask, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = metered.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"ocop_" not in response.data


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_metrics_served_with_the_token(metered: Flask) -> None:
    response = metered.test_client().get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    for name in ("ocop_verifications", "ocop_scan_queue_depth", "ocop_scans_written_total"):
        assert f"# TYPE {name}" in body or name in body


def test_verifications_counted_by_verdict_and_rows_written(metered: Flask, codes: Codes) -> None:
    client = metered.test_client()
    before = {
        verdict: value("ocop_verifications_total", verdict=verdict, channel=channel)
        for verdict, channel in (("genuine", "api"), ("revoked", "web"), ("invalid", "api"))
    }
    written = value("ocop_scans_written_total")
    for _ in range(3):
        assert client.get(f"/api/v1/verify/{Codes.path(codes.genuine)[3:]}").status_code == 200
    assert client.get(Codes.path(codes.revoked)).status_code == 200
    assert client.get(Codes.path(codes.forged).replace("/V/", "/api/v1/verify/")).status_code == 200
    assert value("ocop_verifications_total", verdict="genuine", channel="api") == before["genuine"] + 3
    assert value("ocop_verifications_total", verdict="revoked", channel="web") == before["revoked"] + 1
    assert value("ocop_verifications_total", verdict="invalid", channel="api") == before["invalid"] + 1
    writer(metered).flush()
    assert value("ocop_scans_written_total") == written + 5


def test_request_latency_by_route_template(metered: Flask, codes: Codes) -> None:
    client = metered.test_client()
    route = {"route": "/V/<path:code>", "status": "2xx"}
    missing = {"route": "unmatched", "status": "4xx"}
    count, lost = value("ocop_request_seconds_count", **route), value("ocop_request_seconds_count", **missing)
    assert client.get(Codes.path(codes.genuine)).status_code == 200
    assert client.get("/no/such/page/12345").status_code == 404
    assert value("ocop_request_seconds_count", **route) == count + 1
    assert value("ocop_request_seconds_count", **missing) == lost + 1
    assert value("ocop_request_seconds_sum", **route) > 0
    # One series for every unknown path: the label cannot be blown up by junk URLs.
    assert "/no/such" not in client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text


def database_errors(error: str | None = None) -> float:
    """The process's ``ocop_database_errors_total``, of one error class if ``error`` is given."""
    return sum(
        s.value
        for metric in REGISTRY.collect()
        if metric.name == "ocop_database_errors"
        for s in metric.samples
        if s.name.endswith("_total") and error in (None, s.labels.get("error"))
    )


def test_database_errors_counted(metered: Flask) -> None:
    # The counter is process-wide, and another test's scan writer thread may still be
    # failing on its deleted database while this runs (CI saw +2 once). So try three times
    # and require one round to count exactly one: a listener that never counts gives 0
    # every round, one that counts twice gives 2 every round.
    engine = services(metered).engine
    deltas = []
    for _ in range(3):
        before = database_errors()
        with pytest.raises(SQLAlchemyError), engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))
        deltas.append(database_errors() - before)
        if deltas[-1] == 1:
            break
    assert deltas[-1] == 1, deltas


def test_token_from_owner_only_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "metrics-token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    monkeypatch.setenv("OCOP_METRICS_TOKEN_FILE", str(token_file))
    config = {"SECRET_KEY": TEST_SECRET, "OCOP_BASE_URL": BASE_URL, "OCOP_INSTANCE": str(tmp_path)}
    config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ocop.db'}"
    assert create_app(config).config["OCOP_METRICS_TOKEN"] == TOKEN
    os.chmod(token_file, 0o644)
    with pytest.raises(ConfigError, match=r"^OCOP_METRICS_TOKEN_FILE: .* is readable by others; run: chmod"):
        create_app(config)
    monkeypatch.delenv("OCOP_METRICS_TOKEN_FILE")
    monkeypatch.setenv("OCOP_METRICS_TOKEN", "short")
    with pytest.raises(ConfigError, match=r"^OCOP_METRICS_TOKEN: must be at least 32 characters"):
        create_app(config)

"""Behind a reverse proxy the client's own address keys rate limits and scan sources — only
when the proxy is declared (OCOP_TRUSTED_PROXIES); otherwise X-Forwarded-For is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.apps import close_app
from tests.support.codes import Codes
from tests.support.constants import BASE_URL, PASSPHRASE, TEST_SECRET
from tests.support.windows import fresh_window
from tests.verify_web.test_reports import form
from traceability.models import Scan
from verify_web import create_app
from verify_web.core.services import services
from verify_web.hotpath.scan_recorder import writer

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130 Mobile"}


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-proxy"])
def proxies(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxies: int) -> Iterator[Flask]:
    monkeypatch.setenv("OCOP_KEY_PASSPHRASE", PASSPHRASE)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": TEST_SECRET,
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_INSTANCE": str(tmp_path / "instance"),
            "OCOP_KEYS_DIR": str(tmp_path / "keys"),
            "OCOP_TRUSTED_PROXIES": proxies,
        }
    )
    services(app).keystore.generate(PASSPHRASE.encode())
    yield app
    close_app(app)


def behind_proxy(client_address: str) -> dict[str, str]:
    """What the proxy (at 127.0.0.1, the test client's address) sends for that client."""
    return {"X-Forwarded-For": client_address}


def test_two_clients_behind_the_proxy_are_two_rate_limit_keys(client: FlaskClient, proxies: int) -> None:
    fresh_window(timedelta(hours=1))
    first = [
        client.post("/report", data=form(client), headers=behind_proxy("203.0.113.7")).status_code
        for _ in range(11)
    ]
    other = client.post("/report", data=form(client), headers=behind_proxy("198.51.100.9")).status_code
    assert first == [200] * 10 + [429]
    # With the proxy declared the second client has its own limit; without, the header is
    # the client's own text, so both share the one real address (spoofing gains nothing).
    assert other == (200 if proxies else 429)


def test_two_clients_behind_the_proxy_are_two_scan_sources(
    app: Flask, client: FlaskClient, codes: Codes, app_session: Session, proxies: int
) -> None:
    path = Codes.path(codes.genuine)
    for address in ("203.0.113.7", "198.51.100.9", "203.0.113.7"):
        assert client.get(path, headers=BROWSER | behind_proxy(address)).status_code == 200
    writer(app).flush()
    label_id = codes.genuine_label.id
    sources = app_session.scalar(
        select(func.count(func.distinct(Scan.source_hash))).where(Scan.label_id == label_id)
    )
    assert sources == (2 if proxies else 1)

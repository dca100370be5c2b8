"""A revocation shows on the very next request of every worker: two app instances (as two
gunicorn workers would be) share one database and keep no stale state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.support.apps import close_app
from tests.support.codes import Codes
from traceability.services import revocations
from verify_web import create_app
from verify_web.core.services import services


@pytest.fixture
def second_app(app: Flask) -> Iterator[Flask]:
    keys = {k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "OCOP_BASE_URL", "OCOP_KEYS_DIR")}
    other = create_app(
        {
            "TESTING": True,
            **keys,
            "DATABASE_URL": app.config["DATABASE_URL"].render_as_string(hide_password=False),
        }
    )
    yield other
    close_app(other)


def test_revocation_visible_next_request_on_both(
    app: Flask, second_app: Flask, codes: Codes, app_session: Session
) -> None:
    clients = [app.test_client(), second_app.test_client()]
    path = Codes.path(codes.genuine)
    for client in clients:  # warm every cache each worker keeps
        assert client.get(f"/api/v1/verify/{path[3:]}").get_json()["status"] == "genuine"
        assert client.get("/api/v1/revocations").status_code == 200
    revocations.revoke(
        app_session,
        actor="inspector",
        target="lot",
        ref={"lot_id": codes.genuine_label.lot_id},
        reason="recalled",
    )
    app_session.commit()
    for client in clients:
        assert client.get(f"/api/v1/verify/{path[3:]}").get_json()["reason"] == "recalled"
        assert 'data-status="revoked"' in client.get(path).get_data(as_text=True)
        listed = {r["serial"] for r in client.get("/api/v1/revocations").get_json()["list"]["revoked"]}
        assert str(codes.genuine_label.serial) in listed


def test_compromised_key_visible_next_request_on_both(app: Flask, second_app: Flask, codes: Codes) -> None:
    clients = [app.test_client(), second_app.test_client()]
    digits = Codes.path(codes.genuine)[3:]
    for client in clients:
        assert client.get(f"/api/v1/verify/{digits}").get_json()["status"] == "genuine"
    services(app).keystore.mark_compromised(codes.genuine_label.key_id)
    for client in clients:
        body = client.get(f"/api/v1/verify/{digits}").get_json()
        assert (body["status"], body["reason"]) == ("revoked", "key_compromised")

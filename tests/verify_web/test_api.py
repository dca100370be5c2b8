"""The JSON API, validated against its own OpenAPI 3.1 document with jsonschema."""

from __future__ import annotations

import base64
import json
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from keys import Keyring
from labels import short_code
from tests.support.codes import Codes
from traceability.services import revocations
from verify_web.core.services import services


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    assert document["openapi"].startswith("3.1")
    return document


def check(spec: dict[str, Any], schema: str, body: object) -> None:
    resolver_doc = {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    jsonschema.validate(
        body, resolver_doc, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker()
    )


def test_every_status_matches_the_schema(client: FlaskClient, codes: Codes, spec: dict[str, Any]) -> None:
    expected = {
        "genuine": codes.genuine,
        "expired": codes.expired,
        "revoked": codes.revoked,
        "invalid": codes.forged,
    }
    for status, url in expected.items():
        digits = Codes.path(url)[3:]
        got = client.get(f"/api/v1/verify/{digits}")
        assert got.status_code == 200
        body = got.get_json()
        check(spec, "Verdict", body)
        assert body["status"] == status
        posted = client.post("/api/v1/verify", json={"qr": url})
        check(spec, "Verdict", posted.get_json())
        assert posted.get_json()["status"] == status
    assert client.get(f"/api/v1/verify/{Codes.path(codes.revoked)[3:]}").get_json()["reason"] == "counterfeit"


def test_verify_by_short_code_and_facts(client: FlaskClient, codes: Codes, spec: dict[str, Any]) -> None:
    body = client.get(f"/api/v1/verify/{short_code(codes.genuine_label.serial)}").get_json()
    check(spec, "Verdict", body)
    assert body["status"] == "genuine"
    assert body["product"]["producer"]["province"] == "Hà Nội"
    assert body["scans"]["count"] == 1


def test_foreign_domain_is_flagged(client: FlaskClient, codes: Codes) -> None:
    fake = codes.genuine.replace("XACTHUC.OCOP.VN", "XACTHUC-OCOP.VN")
    body = client.post("/api/v1/verify", json={"qr": fake}).get_json()
    assert "foreign_domain" in body["warnings"]
    assert (
        "foreign_domain"
        not in client.post("/api/v1/verify", json={"qr": codes.genuine}).get_json()["warnings"]
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("body", [b"{", b"[]", b'{"qr": 5}', b'{"qr": "' + b"1" * 3000 + b'"}', b"\xff\xfe"])
def test_bad_bodies_are_400_json(client: FlaskClient, spec: dict[str, Any], body: bytes) -> None:
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 400
    check(spec, "Error", response.get_json())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cors_is_open(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/verify", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    verify = client.get("/api/v1/verify/123")
    assert verify.headers["Access-Control-Allow-Origin"] == "*"
    assert verify.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Methods" not in verify.headers  # only preflights need it
    revocations = client.get("/api/v1/revocations")
    assert revocations.headers["Access-Control-Allow-Origin"] == "*"
    assert revocations.headers["Access-Control-Expose-Headers"] == "ETag"  # offline verifiers poll with it


def _verify_list(body: dict[str, Any], keyring: Keyring) -> None:
    signed = json.dumps(body["list"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    signature = base64.urlsafe_b64decode(body["signature"] + "=" * (-len(body["signature"]) % 4))
    keyring.verify(body["kid"], signed, signature)  # raises BadSignature if wrong


def test_revocation_list_signed_versioned_with_etag(
    app: Flask, client: FlaskClient, codes: Codes, app_session: Session, spec: dict[str, Any]
) -> None:
    keyring = services(app).keystore.keyring()
    first = client.get("/api/v1/revocations")
    assert first.status_code == 200 and first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    body = first.get_json()
    check(spec, "RevocationList", body)
    _verify_list(body, keyring)
    assert [r["reason"] for r in body["list"]["revoked"]] == ["counterfeit"]
    again = client.get("/api/v1/revocations", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    revocations.revoke(
        app_session,
        actor="test",
        target="label",
        ref={"serial": codes.genuine_label.serial},
        reason="damaged_or_lost",
    )
    app_session.commit()
    after = client.get("/api/v1/revocations", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["list"]["version"] > body["list"]["version"]
    assert str(codes.genuine_label.serial) in {r["serial"] for r in after.get_json()["list"]["revoked"]}
    _verify_list(after.get_json(), keyring)
    tampered = after.get_json()
    tampered["list"]["revoked"] = []
    with pytest.raises(Exception, match="signature"):
        _verify_list(tampered, keyring)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_jwks(app: Flask, client: FlaskClient) -> None:
    for path in ("/.well-known/ocop-keys.json", "/.well-known/jwks.json"):
        body = client.get(path).get_json()
        assert body["keys"][0]["status"] == "active" and body["keys"][0]["crv"] == "Ed25519"
    assert Keyring.from_jwks(body).get(body["keys"][0]["kid"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_revocation_list_without_passphrase_is_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE")
    response = client.get("/api/v1/revocations")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == 503


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_long_province_and_wrong_method_are_refused_clearly(client: FlaskClient) -> None:
    long = client.get("/api/v1/verify/123", query_string={"province": "x" * 101})
    assert long.status_code == 400 and "province" in long.get_json()["error"]["message"]
    wrong = client.delete("/api/v1/verify/123")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]  # how to proceed

"""``GET /api/v1/revocation-list`` (docs/revocation-list.md §1–§7): a compact JWS over the
served bytes, verified with joserfc and with revlist.js in node; deltas; HTTP caching, gzip and
CORS; the same bytes from two workers; 503 when no key can sign; the old list deprecated."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from keys import KeyStatus
from keys.ed25519 import b64url
from tests.support.apps import close_app
from tests.support.codes import Codes
from tests.support.constants import PASSPHRASE
from traceability.services import revocations
from verify_web import create_app
from verify_web.core.services import services

URL = "/api/v1/revocation-list"
ROOT = Path(__file__).resolve().parents[2]


def _keys(client: FlaskClient) -> KeySet:
    document = client.get("/.well-known/ocop-keys.json").get_json()
    return KeySet.import_key_set({"keys": document["keys"]})


def _open(client: FlaskClient, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify ``body`` as served, with a generic JOSE library; return (header, payload)."""
    token = jws.deserialize_compact(body, _keys(client), algorithms=["EdDSA"])
    return token.protected, json.loads(token.payload)


def _hour() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def _revoke(session: Session, serial: int, reason: str = "damaged_or_lost") -> None:
    revocations.revoke(session, actor="test", target="label", ref={"serial": serial}, reason=reason)
    session.commit()


def test_full_list_is_a_jws_over_the_served_bytes(app: Flask, client: FlaskClient, codes: Codes) -> None:
    hour_before = _hour()
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/jose"
    assert response.data.count(b".") == 2 and b"\n" not in response.data
    header, payload = _open(client, response.data)
    active = services(app).keystore.active()
    assert header == {"alg": "EdDSA", "kid": active.kid, "typ": "ocop-revocation-list+jws"}
    assert payload["format"] == 1 and payload["issuer"] == app.config["OCOP_BASE_URL"]
    assert payload["issued_at"] in {hour_before, _hour()}  # the start of the current UTC hour
    valid = datetime.fromisoformat(payload["next_update"]) - datetime.fromisoformat(payload["issued_at"])
    assert valid == timedelta(hours=48)  # OCOP_REVLIST_VALID_HOURS' default
    assert [(e["scope"], e["reason"]) for e in payload["entries"]] == [("code", "counterfeit")]
    head, _, signature = response.data.decode().split(".")
    other = b64url(json.dumps({"format": 1}).encode())
    tampered = f"{head}.{other}.{signature}"  # another payload, the same signature
    with pytest.raises(BadSignatureError):
        _open(client, tampered.encode())


def test_headers_etag_gzip_and_cors(client: FlaskClient, codes: Codes) -> None:
    plain = client.get(URL)
    assert plain.headers["Cache-Control"] == "public, max-age=300, stale-if-error=604800"
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert plain.headers["Access-Control-Expose-Headers"] == "ETag"
    assert plain.headers["Vary"] == "Accept-Encoding" and "Content-Encoding" not in plain.headers
    zipped = client.get(URL, headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
    for etag in (plain.headers["ETag"], zipped.headers["ETag"]):
        again = client.get(URL, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
        assert again.status_code == 304 and again.data == b""
    preflight = client.options(URL, headers={"Origin": "https://elsewhere.example"})
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_new_revocation_new_version_and_delta(
    client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    first = client.get(URL)
    _, before = _open(client, first.data)
    _revoke(app_session, codes.genuine_label.serial)
    after = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    _, full = _open(client, after.data)
    assert full["version"] == before["version"] + 1
    assert str(codes.genuine_label.serial) in {e.get("serial") for e in full["entries"]}
    delta = client.get(URL, query_string={"since": before["version"]})
    header, body = _open(client, delta.data)
    assert header["typ"] == "ocop-revocation-delta+jws"
    assert delta.headers["Cache-Control"] == "public, max-age=60, stale-if-error=86400"
    assert (body["since"], body["version"], body["remove"]) == (before["version"], full["version"], [])
    assert [e["serial"] for e in body["add"]] == [str(codes.genuine_label.serial)]
    _, empty = _open(client, client.get(URL, query_string={"since": full["version"]}).data)
    assert (empty["since"], empty["version"], empty["add"], empty["remove"]) == (full["version"],) * 2 + (
        [],
        [],
    )


def test_no_delta_from_the_future_gives_the_full_list(client: FlaskClient, codes: Codes) -> None:
    header, body = _open(client, client.get(URL, query_string={"since": 10**6}).data)
    assert header["typ"] == "ocop-revocation-list+jws" and "entries" in body


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("since", ["abc", "-1", "1.5", "", "٣", str(2**53), "9" * 40])
def test_bad_since_is_a_400(client: FlaskClient, since: str) -> None:
    response = client.get(URL, query_string={"since": since})
    assert response.status_code == 400
    assert "since" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_next_update_follows_the_setting(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {k: app.config[k] for k in ("SECRET_KEY", "OCOP_BASE_URL", "OCOP_KEYS_DIR")}
    url = app.config["DATABASE_URL"].render_as_string(hide_password=False)
    monkeypatch.setenv("OCOP_REVLIST_VALID_HOURS", "6")
    six = create_app({"TESTING": True, **keys, "DATABASE_URL": url})
    try:
        client = six.test_client()
        _, payload = _open(client, client.get(URL).data)
    finally:
        close_app(six)
    valid = datetime.fromisoformat(payload["next_update"]) - datetime.fromisoformat(payload["issued_at"])
    assert valid == timedelta(hours=6)


@pytest.fixture
def second_app(app: Flask) -> Iterator[Flask]:
    keys = {k: app.config[k] for k in ("SECRET_KEY", "OCOP_BASE_URL", "OCOP_KEYS_DIR")}
    url = app.config["DATABASE_URL"].render_as_string(hide_password=False)
    other = create_app({"TESTING": True, **keys, "DATABASE_URL": url})
    yield other
    close_app(other)


def test_two_workers_serve_the_same_bytes_and_versions(
    client: FlaskClient, second_app: Flask, codes: Codes, app_session: Session
) -> None:
    other = second_app.test_client()
    assert client.get(URL).data == other.get(URL).data
    _revoke(app_session, codes.genuine_label.serial)
    one, two = client.get(URL), other.get(URL)
    assert one.data == two.data and one.headers["ETag"] == two.headers["ETag"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_passphrase_503_never_an_unsigned_list(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE")
    response = client.get(URL)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "300"
    assert response.get_json()["error"]["message"] == "the revocation list cannot be signed now"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rotation_signs_with_the_new_key_and_compromise_stops_signing(
    app: Flask, client: FlaskClient, app_session: Session
) -> None:
    keystore = services(app).keystore
    old, _ = _open(client, client.get(URL).data)
    new = keystore.rotate(PASSPHRASE.encode())
    header, _ = _open(client, client.get(URL).data)
    assert header["kid"] == new.kid != old["kid"]
    revocations.revoke(
        app_session, actor="test", target="key", ref={"kid": new.kid}, reason="key_compromised"
    )
    app_session.commit()
    keystore.mark_compromised(new.kid)
    assert all(k.status is not KeyStatus.ACTIVE for k in keystore.keyring())
    assert client.get(URL).status_code == 503  # no list signed by the compromised key, cached or not


@pytest.mark.skipif(shutil.which("node") is None, reason="Debian's nodejs is not installed")
def test_revlist_js_accepts_what_the_server_serves(
    client: FlaskClient, codes: Codes, app_session: Session, tmp_path: Path
) -> None:
    first = client.get(URL).data.decode()
    _, version = _open(client, first.encode())
    _revoke(app_session, codes.genuine_label.serial)
    delta = client.get(URL, query_string={"since": version["version"]}).data.decode()
    (tmp_path / "input.json").write_text(
        json.dumps(
            {"keys": client.get("/.well-known/ocop-keys.json").get_json(), "full": first, "delta": delta}
        )
    )
    script = f"""
import {{ readFileSync }} from "node:fs";
import {{ importKeySet }} from "{ROOT}/verify_web/static/verifier/labelcode.js";
import {{ parseList, acceptUpdate, applyDelta, revokedBy }}
  from "{ROOT}/verify_web/static/verifier/revlist.js";
const input = JSON.parse(readFileSync("{tmp_path}/input.json", "utf-8"));
const keys = await importKeySet(input.keys);
const full = acceptUpdate(null, (await parseList(input.full, keys)).list).list;
const next = applyDelta(full, (await parseList(input.delta, keys)).list);
console.log(JSON.stringify({{ ok: next.ok, version: next.list.version,
  hit: revokedBy(next.list, {{ serial: "{codes.genuine_label.serial}", kid: "x" }})?.scope ?? null }}));
"""
    (tmp_path / "check.mjs").write_text(script)
    out = subprocess.run(
        ["node", str(tmp_path / "check.mjs")], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == {"ok": True, "version": version["version"] + 1, "hit": "code"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_old_list_still_served_and_marked_deprecated(client: FlaskClient) -> None:
    old = client.get("/api/v1/revocations")
    assert old.status_code == 200 and "list" in old.get_json()
    assert old.headers["Deprecation"] == "@1764547200"
    assert old.headers["Link"] == '</api/v1/revocation-list>; rel="successor-version"'

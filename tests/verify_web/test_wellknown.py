"""The published key set: compromised keys outside ``keys``, ETag, CORS and its preflight."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from keys import Keyring, KeyStatus
from tests.support.constants import PASSPHRASE
from verify_web.core.services import services

PATHS = ("/.well-known/ocop-keys.json", "/.well-known/jwks.json")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_key_set_has_an_etag_and_answers_304(client: FlaskClient) -> None:
    for path in PATHS:
        first = client.get(path)
        assert first.status_code == 200 and first.headers["Access-Control-Allow-Origin"] == "*"
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cors_preflight_is_answered_for_any_origin(client: FlaskClient) -> None:
    for path in PATHS:
        response = client.options(
            path,
            headers={
                "Origin": "https://offline.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_compromised_key_leaves_keys_and_changes_the_etag(app: Flask, client: FlaskClient) -> None:
    store = services(app).keystore
    before = client.get(PATHS[0])
    old = before.get_json()["keys"][0]["kid"]
    store.rotate(PASSPHRASE.encode())
    store.mark_compromised(old)
    after = client.get(PATHS[0], headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    body = after.get_json()
    assert old not in {k["kid"] for k in body["keys"]}
    assert [k["kid"] for k in body["compromised"]] == [old] and body["compromised"][0]["compromised_at"]
    assert Keyring.from_jwks(body).get(old).status is KeyStatus.COMPROMISED

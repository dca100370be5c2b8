"""Every public route given junk answers with a clear 4xx page or JSON error — never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

ROUTES = [
    "/",
    "/ping",
    "/healthz",
    "/check?code={x}",
    "/v/{x}",
    "/V/{x}",
    "/V/{x}/claim",
    "/report",
    "/report?code={x}",
    "/api/v1/verify/{x}",
    "/api/v1/verify",
    "/api/v1/revocations",
    "/api/v1/openapi.json",
    "/.well-known/ocop-keys.json",
    "/.well-known/jwks.json",
    "/{x}",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
junk_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789", min_size=150, max_size=250),
    st.builds(lambda n: "9" * n, st.integers(1000, 20000)),
)
bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(str.encode),
    st.just(b'{"qr": '),
    st.just(b"x" * (7 * 1024 * 1024)),
)
content_types = st.sampled_from(
    [
        "application/json",
        "multipart/form-data; boundary=zz",
        "application/x-www-form-urlencoded",
        "text/plain",
        "image/png",
    ]
)


def check(response_status: int, body: bytes, content_type: str, path: str, method: str) -> None:
    assert response_status < 500, (method, path[:200], body[:300])
    if response_status >= 400 and method != "HEAD":
        assert body, "an error needs an explanation"
        if path.startswith(("/api/", "/.well-known/")):
            assert content_type.startswith("application/json")
        else:
            assert content_type.startswith("text/html")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    method=st.sampled_from(METHODS),
    x=junk_text,
    body=bodies,
    content_type=content_types,
)
def test_junk_never_500(
    client: FlaskClient, route: str, method: str, x: str, body: bytes, content_type: str
) -> None:
    path = route.replace("{x}", quote(x, safe=""))
    response = client.open(path, method=method, data=body, content_type=content_type)
    check(response.status_code, response.data, response.content_type, path, method)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
    )
)
def test_json_api_junk(client: FlaskClient, payload: object) -> None:
    for body in (payload, {"qr": payload}, {"qr": "x", "province": payload}):
        response = client.post("/api/v1/verify", json=body)
        check(response.status_code, response.data, response.content_type, "/api/v1/verify", "POST")
        assert response.status_code in (200, 400)

"""The JSON API tested against its own OpenAPI 3.1 document with schemathesis.

Schemathesis generates requests for every documented operation — valid ones and invalid ones
(wrong types, too-long values, missing or malformed bodies, undeclared methods) — sends them to
the app in-process over WSGI, and checks each answer: no 5xx, a documented status, a documented
content type, and a body that matches the response schema. The run is derandomized and
bounded, so it is the same every time and takes seconds.

The generated tests load the document from :func:`verify_web.api.openapi.document` when the module
is imported (schemathesis parametrizes at collection, before any app exists);
``test_served_document_is_the_one_tested`` pins that this is exactly what
``/api/v1/openapi.json`` serves. Generated requests can only reach error and ``invalid``
verdicts, so genuine labels are sent too, and their answers validated against the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from labels import short_code
from tests.support import require
from tests.support.codes import Codes
from tests.support.constants import BASE_URL, PASSPHRASE
from verify_web.api import openapi

try:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
        unsupported_method,
    )

    INSTALLED = True
except ImportError:  # pragma: no cover - it is in requirements-test.txt
    INSTALLED = False

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.schemas import BaseSchema

SEED = 20260101
MAX_EXAMPLES = 50  # per operation, for the fuzzing phase; the coverage phase adds its boundary cases
OPERATIONS = {
    "GET /api/v1/verify/{code}",
    "POST /api/v1/verify",
    "GET /api/v1/revocations",
    "GET /api/v1/revocation-list",
    "GET /api/v1/openapi.json",
}
# Served under /api/v1/ but not described by the document (none: every route is described).
UNDOCUMENTED: set[str] = set()
MISSING = ("schemathesis", "pip install -r requirements-test.txt")


def _load() -> BaseSchema | None:
    if not INSTALLED:  # pragma: no cover
        return None
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",  # valid and invalid inputs
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )
    return schemathesis.openapi.from_dict(openapi.document(BASE_URL), config=config)


SCHEMA = _load()
# No server errors, a documented status, a documented content type, a body matching its schema.
CHECKS: list[Any] = (
    [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    if INSTALLED
    else []
)
# And for generated requests: input the document calls invalid is refused, and a method the
# operation does not take gets a 405 with an Allow header.
STRICT: list[Any] = [*CHECKS, negative_data_rejection, unsupported_method] if INSTALLED else []


def every_operation(test: Callable[..., None]) -> Callable[..., None]:
    """One test per documented operation — or, without schemathesis, one test that fails under
    CI=true (and skips elsewhere)."""
    if SCHEMA is None:  # pragma: no cover

        def missing() -> None:
            require(False, *MISSING)

        missing.__name__ = test.__name__
        return missing
    parametrized: Callable[..., None] = SCHEMA.parametrize()(test)
    return parametrized


def labels(schema: BaseSchema) -> set[str]:
    """``METHOD /path`` of every operation the document describes."""
    found = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found.add(result.ok().label)
    return found


@pytest.fixture
def schema() -> BaseSchema:
    require(SCHEMA is not None, *MISSING)
    assert SCHEMA is not None
    return SCHEMA


# The app fixture is per test, so generated inputs share one app and database: fine, every
# operation is read-only apart from the scan log it feeds.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@every_operation
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_requests_conform(case: Case[Any], app: Flask) -> None:
    case.call_and_validate(checks=STRICT, app=app)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_served_document_is_the_one_tested(app: Flask, client: FlaskClient, schema: BaseSchema) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi.document(BASE_URL)
    served = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    served.validate()  # against the OpenAPI 3.1 meta-schema
    assert labels(schema) == OPERATIONS
    # Loaded from its own address, schemathesis leaves that operation out; the rest is the same.
    assert labels(served) == OPERATIONS - {"GET /api/v1/openapi.json"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_api_route_is_documented_or_known(app: Flask, schema: BaseSchema) -> None:
    routes = {
        f"{method} {rule.rule.replace('<path:code>', '{code}')}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = labels(schema)
    assert routes - documented == UNDOCUMENTED
    assert documented <= routes


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_real_labels_conform(app: Flask, codes: Codes, schema: BaseSchema) -> None:
    by_code = schema["/api/v1/verify/{code}"]["GET"]
    by_scan = schema["/api/v1/verify"]["POST"]
    expected = {
        "genuine": codes.genuine,
        "cloned": codes.cloned,
        "expired": codes.expired,
        "revoked": codes.revoked,
        "forged": codes.forged,
    }
    answers: dict[str, list[dict[str, Any]]] = {}
    for kind, url in expected.items():
        digits = Codes.path(url)[3:]
        cases = [
            by_code.Case(path_parameters={"code": digits}),
            by_code.Case(path_parameters={"code": digits}, query={"province": "Hà Nội"}),
            by_scan.Case(body={"qr": url}, media_type="application/json"),
            by_scan.Case(body={"qr": url, "province": "Hà Nội"}, media_type="application/json"),
        ]
        if kind == "genuine":
            typed = short_code(codes.genuine_label.serial)
            cases.append(by_code.Case(path_parameters={"code": typed}))
        answers[kind] = []
        for case in cases:
            response = case.call_and_validate(checks=CHECKS, app=app)
            assert response.status_code == 200
            answers[kind].append(response.json())

    for body in answers["genuine"]:
        assert body["status"] == "genuine"
        assert body["label"] and body["product"] and body["scans"]  # the full shape was validated
        assert body["product"]["producer"]["province"] == "Hà Nội"
    assert {body["scans"]["clone_suspected"] for body in answers["cloned"]} == {True}
    assert {body["status"] for body in answers["expired"]} == {"expired"}
    assert {(body["status"], body["reason"]) for body in answers["revoked"]} == {("revoked", "counterfeit")}
    assert {body["status"] for body in answers["forged"]} == {"invalid"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_revocations_and_error_answers_conform(
    app: Flask, codes: Codes, schema: BaseSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    revocations = schema["/api/v1/revocations"]["GET"]
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE")
    # A documented 503: every check but "no server errors" applies.
    unsigned = revocations.Case().call_and_validate(checks=CHECKS[1:], app=app)
    assert unsigned.status_code == 503

    monkeypatch.setenv("OCOP_KEY_PASSPHRASE", PASSPHRASE)
    listed = revocations.Case().call_and_validate(checks=CHECKS, app=app)
    assert listed.status_code == 200
    assert [r["reason"] for r in listed.json()["list"]["revoked"]] == ["counterfeit"]
    (etag,) = listed.headers["etag"]
    unchanged = revocations.Case(headers={"If-None-Match": etag}).call_and_validate(checks=CHECKS, app=app)
    assert unchanged.status_code == 304

    too_large = schema["/api/v1/verify"]["POST"].Case(
        body={"qr": "1" * app.config["MAX_CONTENT_LENGTH"]}, media_type="application/json"
    )
    assert too_large.call_and_validate(checks=CHECKS, app=app).status_code == 413

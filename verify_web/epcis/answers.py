"""What every EPCIS route shares: the mapping context and answers in EPCIS 2.0's shapes
(JSON-LD documents; errors as RFC 9457 problem details typed ``epcisException:…``)."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import HTTPException

from traceability.epcis import identifiers
from traceability.epcis.events import Context

JSON_LD = "application/ld+json"
# Headers of every EPCIS answer: the versions of EPCIS and CBV this interface speaks.
VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
_EXCEPTIONS = {
    400: "QueryParameterException",
    401: "SecurityException",
    403: "SecurityException",
    404: "NoSuchResourceException",
    405: "ImplementationException",
    413: "CaptureLimitExceededException",
    415: "ImplementationException",
    429: "ImplementationException",
}


def context() -> Context:
    """The mapping context of this app: its host and time zone."""
    return Context(
        identifiers.origin(current_app.config["OCOP_BASE_URL"]), ZoneInfo(current_app.config["OCOP_TIMEZONE"])
    )


def document(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return an EPCIS JSON-LD document."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    response = Response(text, status=status, mimetype=JSON_LD)
    response.headers.update({**VERSIONS, **(headers or {})})
    return response


def problem(status: int, exception: str, title: str, detail: list[str] | None = None) -> Response:
    """Return an EPCIS error: ``epcisException:<exception>``, a title and what was wrong."""
    body: dict[str, Any] = {"type": f"epcisException:{exception}", "title": title, "status": status}
    if detail:
        body["detail"] = "\n".join(detail)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    response.headers.update(VERSIONS)
    return response


def handle_http_errors(bp: Blueprint) -> None:
    """Answer the blueprint's HTTP errors (404, 405, 413, 429 …) as problems, never HTML."""

    @bp.errorhandler(HTTPException)
    def _error(error: HTTPException) -> Response:
        code = error.code or 500
        response = problem(code, _EXCEPTIONS.get(code, "ImplementationException"), error.name)
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

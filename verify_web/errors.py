"""Every error becomes a clear page (or JSON under ``/api/``) — never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/.well-known/", "/epcis/"))


def _messages() -> dict[int, str]:
    return {
        400: gettext("The request could not be understood."),
        403: gettext("You do not have access to this page."),
        404: gettext("This page does not exist."),
        405: gettext("This address does not accept that kind of request."),
        413: gettext("The upload is too large."),
        415: gettext("This kind of content is not accepted."),
        429: gettext("Too many requests. Please wait a moment and try again."),
        500: gettext("Something went wrong on our side. Please try again later."),
        503: gettext("The service is temporarily unavailable."),
    }


ErrorAnswer = tuple[Response | str, int, dict[str, str]]


def _http_error(error: HTTPException) -> ErrorAnswer:
    code = error.code or 500
    if error.description == "csrf":
        message = gettext(
            "Your form expired or came from another site. Please reload the page and try again."
        )
    else:
        message = _messages().get(code, error.name)
    # The exception's own headers that say how to proceed (Allow on a 405, Retry-After, …).
    extra = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return answer(code, message, extra)


def answer(code: int, message: str, headers: dict[str, str]) -> ErrorAnswer:
    """Return the error page with ``message`` (JSON under ``/api/``), status ``code``, ``headers``."""
    if wants_json():
        name = HTTP_STATUS_CODES.get(code, "Error")
        return jsonify(error={"code": code, "name": name, "message": message}), code, headers
    return render_template("error.html", code=code, message=message), code, headers


def _unexpected(error: Exception) -> ErrorAnswer:
    # Logged with its traceback for operators; the user sees a plain message only.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())

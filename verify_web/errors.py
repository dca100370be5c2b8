"""The web layer's errors, and the one place that turns errors into answers: every error becomes
a clear page (or JSON under ``/api/``) — never a traceback.

Domain errors (:class:`traceability.RegistryError`) get their status from :func:`status_of` and
their message, in the reader's language, from :func:`message_of`; a view that re-renders its
form on a refusal uses :func:`message_of` too, and any it does not catch is answered here.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from traceability import Conflict, NotFound, RegistryError, StateError, ValidationError

log = logging.getLogger(__name__)


class WebError(Exception):
    """The base of the web layer's own errors."""


class ConfigError(WebError):
    """A configuration value is missing or wrong. ``name`` is the setting."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class FormRefused(WebError):
    """The form cannot be carried out. ``message`` is for the form; ``status`` is 400 for input
    that does not parse, 422 for a refused request, 503 when labels cannot be signed."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class PhotoError(WebError):
    """An upload is not a photo we accept. ``kind``: ``not_image`` (unreadable), ``type`` (a
    format not allowed), ``too_large`` (bytes or pixels), ``no_code`` (no QR code in it).
    ``field`` is the form field it came from."""

    field = "photo"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


# Field names as the forms call them, for "Please check …" messages.
FIELD_LABELS = {
    "legal_name": _l("Legal name"),
    "name": _l("Name"),
    "kind": _l("Kind"),
    "commune": _l("Commune"),
    "district": _l("District"),
    "province": _l("Province"),
    "contact": _l("Contact"),
    "tax_code": _l("Tax code"),
    "group": _l("Product group"),
    "gtin": _l("GTIN"),
    "label_form": _l("Label form"),
    "stars": _l("Stars"),
    "level": _l("Issuing level"),
    "number": _l("Decision number"),
    "issued_on": _l("Issued on"),
    "valid_until": _l("Valid until"),
    "code": _l("Code"),
    "produced_on": _l("Production date"),
    "best_before": _l("Best before"),
    "occurred_at": _l("Date and time"),
    "place": _l("Place"),
    "note": _l("Note"),
    "idempotency_key": _l("Replay key"),
    "reason": _l("Reason"),
    "username": _l("User name"),
    "password": _l("Password"),
    "current": _l("Current password"),
    "producer": _l("Producer"),
    "producer_id": _l("Producer"),
    "product": _l("Product"),
    "product_id": _l("Product"),
    "lot": _l("Lot"),
    "lot_id": _l("Lot"),
    "range": _l("Label numbers"),
    "target": _l("What to revoke"),
    "value": _l("Value"),
    "count": _l("Count"),
    "file": _l("File"),
}


def message_of(error: RegistryError) -> str:
    """Return a message for a form in the page's language, naming the field for validation
    errors (the services' English templates are catalogue keys)."""
    if isinstance(error, ValidationError):
        field = FIELD_LABELS.get(error.field, error.field)
        detail = gettext(error.template, **error.params)
        return str(gettext("Please check “%(field)s”: %(message)s", field=field, message=detail))
    if isinstance(error, NotFound):
        return str(gettext("Not found: %(entity)s %(key)s", entity=error.entity, key=error.key))
    if isinstance(error, Conflict | StateError):
        return str(gettext("Not possible: %(message)s", message=gettext(error.template, **error.params)))
    return str(gettext("The change was refused: %(message)s", message=str(error)))


def status_of(error: RegistryError) -> int:
    """Return the HTTP status of a domain error: 404 for a missing record, 409 for a conflict or
    a state that forbids the change, 400 otherwise (bad input)."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | StateError):
        return 409
    return 400


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RegistryError, _domain_error)
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


def _domain_error(error: RegistryError) -> ErrorAnswer:
    # A refusal a view did not turn into its own form: the same message, and nothing written.
    from verify_web.core import db

    db.session().rollback()
    return answer(status_of(error), message_of(error), {})


def _unexpected(error: Exception) -> ErrorAnswer:
    # Logged with its traceback for operators; the user sees a plain message only.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())

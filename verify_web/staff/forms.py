"""Small helpers shared by the staff blueprints: turning domain errors into form messages and
reading form fields. No routes here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from keys import Keyring, KeysError
from traceability import Conflict, NotFound, RegistryError, StateError, ValidationError
from verify_web.core.bounds import MAX_ID

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


def error_message(error: RegistryError) -> str:
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


def form_int(name: str) -> int:
    """Return a positive whole number from the form, or raise :class:`ValidationError`."""
    value = request.form.get(name, "").strip()
    if not _digits(value, MAX_ID) or not 0 < int(value) <= MAX_ID:
        raise ValidationError(name, "must be a whole number from 1")
    return int(value)


def _digits(text: str, most: int) -> bool:
    """True if ``text`` is ASCII digits, no more of them than ``most`` has (so ``int()`` stays
    cheap and never meets Python's 4,300-digit limit)."""
    return text.isascii() and text.isdigit() and len(text) <= len(str(most))


def days_arg(default: int = 30, most: int = 366) -> int:
    """Return ``?days=`` (1..most); 400 for anything else."""
    raw = request.args.get("days", str(default))
    if not _digits(raw, most) or not 1 <= int(raw) <= most:
        abort(400)
    return int(raw)


def since(days: int) -> datetime:
    """Return local midnight (``OCOP_TIMEZONE``) ``days - 1`` days ago, so ``days`` calendar
    days of the programme's clock are covered."""
    zone = ZoneInfo(current_app.config["OCOP_TIMEZONE"])
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days - 1)).astimezone(UTC)


def keyring() -> Keyring:
    """Return the public key set; an unreadable key set is a 503 page, never a traceback."""
    try:
        found: Keyring = current_app.extensions["ocop.keystore"].keyring()
    except KeysError:
        abort(503)
    return found

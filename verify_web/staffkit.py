"""Small helpers shared by the staff blueprints: turning domain errors into form messages and
reading form fields. No routes here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, current_app, request
from flask_babel import gettext

from keys import Keyring, KeysError
from traceability import Conflict, NotFound, RegistryError, StateError, ValidationError


def error_message(error: RegistryError) -> str:
    """Return a message for a form, naming the field for validation errors."""
    if isinstance(error, ValidationError):
        return str(gettext("Please check “%(field)s”: %(message)s", field=error.field, message=error.message))
    if isinstance(error, NotFound):
        return str(gettext("Not found: %(entity)s %(key)s", entity=error.entity, key=error.key))
    if isinstance(error, Conflict | StateError):
        return str(gettext("Not possible: %(message)s", message=str(error)))
    return str(gettext("The change was refused: %(message)s", message=str(error)))


def form_int(name: str) -> int:
    """Return a positive whole number from the form, or raise :class:`ValidationError`."""
    value = request.form.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**62:
        raise ValidationError(name, "must be a whole number from 1")
    return int(value)


def days_arg(default: int = 30, most: int = 366) -> int:
    """Return ``?days=`` (1..most); 400 for anything else."""
    raw = request.args.get("days", str(default))
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        abort(400)
    return int(raw)


def since(days: int) -> datetime:
    """Return midnight UTC ``days - 1`` days ago (so ``days`` calendar days are covered)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def keyring() -> Keyring:
    """Return the public key set; an unreadable key set is a 503 page, never a traceback."""
    try:
        found: Keyring = current_app.extensions["ocop.keystore"].keyring()
    except KeysError:
        abort(503)
    return found

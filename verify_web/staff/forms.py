"""Small helpers shared by the staff blueprints: reading form fields and query arguments, and
the key set. No routes here; domain errors become messages in :mod:`verify_web.errors`."""

from __future__ import annotations

from datetime import datetime

from flask import abort, request

from keys import Keyring, KeysError
from traceability import ValidationError
from verify_web.core import clock
from verify_web.core.bounds import MAX_ID
from verify_web.core.services import services


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
    """Return the start of the last ``days`` calendar days (see :func:`clock.days_back`)."""
    return clock.days_back(days)


def keyring() -> Keyring:
    """Return the public key set; an unreadable key set is a 503 page, never a traceback."""
    try:
        found: Keyring = services().keystore.keyring()
    except KeysError:
        abort(503)
    return found

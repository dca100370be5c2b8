"""A label named by what a person typed or scanned: the QR text (checked against our keys) or
the short code printed on it. Shared by the staff pages, ``ocop revoke`` and the report form."""

from __future__ import annotations

from keys import Keyring
from labels import DecodeError, LabelError, open_code, parse, parse_short_code
from traceability import ValidationError


def code_serial(text: str, keyring: Keyring) -> int:
    """Return the serial of the label whose QR text or short code ``text`` is (stripped).

    Raises :class:`traceability.ValidationError` (field ``code``): not a short code, or, for a
    text that looks like a QR (a ``/`` or digits only), not a genuine code of ours.
    """
    cleaned = text.strip()
    looks_like_qr = "/" in cleaned or (cleaned.isascii() and cleaned.isdigit())
    try:
        return parse_short_code(cleaned)
    except DecodeError as e:
        if not looks_like_qr:
            raise ValidationError("code", "not a short code (%(detail)s)", detail=str(e)) from None
    try:
        payload, _key = open_code(parse(cleaned).code, keyring)
    except LabelError as e:
        raise ValidationError("code", "not a genuine label code (%(detail)s)", detail=str(e)) from None
    return payload.serial

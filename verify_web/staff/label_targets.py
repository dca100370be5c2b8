"""Parsing what staff type to name labels — shared by the admin pages and ``ocop revoke``.

A single label can be given as the QR text (checked against our keys), a short code
(``000B-79SW-WBZJR``) or a decimal serial. A range is ``LOT:FIRST-LAST``.
"""

from __future__ import annotations

import re
from typing import Any

from keys import Keyring
from labels.encoding import SHORT_CODE_BITS
from traceability import ValidationError
from traceability.enums import RevocationTarget
from usecases.label_refs import code_serial
from verify_web.core.bounds import MAX_ID

_RANGE = re.compile(r"\s*(\d{1,12})\s*:\s*(\d{1,9})\s*-\s*(\d{1,9})\s*")
_SERIAL_DIGITS = 19  # 60-bit serials have at most 19 digits; the code's digit string is far longer


def label_serial(text: str, keyring: Keyring) -> int:
    """Return the serial named by ``text``. Raises :class:`ValidationError` (field ``code``)."""
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError("code", "give the QR text, the short code or the serial")
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= _SERIAL_DIGITS:
        if int(cleaned) >= 1 << SHORT_CODE_BITS:  # checked here, before it reaches the database
            raise ValidationError("code", "no label has this serial: serials are below 2^60")
        return int(cleaned)
    return code_serial(cleaned, keyring)


def _positive(field: str, value: str) -> int:
    cleaned = value.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 12 or not 1 <= int(cleaned) <= MAX_ID:
        raise ValidationError(field, "must be a whole number from 1")
    return int(cleaned)


def parse_target(kind: str, value: str, keyring: Keyring) -> tuple[RevocationTarget, dict[str, Any]]:
    """Return the revocation target and ``ref`` for the admin form / CLI input.

    Raises :class:`ValidationError` (fields ``target``, ``code``, ``range``, ``value``).
    """
    try:
        target = RevocationTarget(kind)
    except ValueError:
        raise ValidationError("target", "choose what to revoke") from None
    if target is RevocationTarget.LABEL:
        return target, {"serial": label_serial(value, keyring)}
    if target is RevocationTarget.RANGE:
        match = _RANGE.fullmatch(value)
        if not match:
            raise ValidationError("range", "write LOT:FIRST-LAST, e.g. 12:1-500")
        lot, first, last = (int(g) for g in match.groups())
        if lot > MAX_ID:
            raise ValidationError("range", "no lot has this number")
        if not 1 <= first <= last:
            raise ValidationError("range", "the first number must be 1 or more and not above the last")
        return target, {"lot_id": lot, "first": first, "last": last}
    if target is RevocationTarget.KEY:
        kid = value.strip()
        if kid not in keyring:
            raise ValidationError("value", "no signing key %(kid)s", kid=kid)
        return target, {"kid": kid}
    return target, {f"{target.value}_id": _positive("value", value)}

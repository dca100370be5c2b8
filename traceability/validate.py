"""Input checks shared by the services. Each returns the cleaned value or raises
:class:`ValidationError` naming the field."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import TypeVar

from .enums import LabelForm
from .exc import ValidationError

E = TypeVar("E", bound=StrEnum)
_TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def text(field: str, value: object, *, max_length: int, required: bool = True) -> str | None:
    """Return ``value`` NFC-normalized and stripped; ``None`` for an empty optional value.

    NFC matters for Vietnamese: the same word typed on two keyboards can arrive as composed or
    decomposed diacritics, and must compare and sort as one.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    cleaned = unicodedata.normalize("NFC", " ".join(value.split()))
    if len(cleaned) > max_length:
        raise ValidationError(field, "is longer than %(n)d characters", n=max_length)
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise ValidationError(field, "contains control characters")
    return cleaned


def required_text(field: str, value: object, *, max_length: int) -> str:
    result = text(field, value, max_length=max_length, required=True)
    assert result is not None
    return result


def choice(field: str, value: object, enum: type[E]) -> E:
    """Return the enum member named by ``value`` (its value string or the member itself)."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(field, "must be one of: %(allowed)s", allowed=allowed) from None


def gtin(value: object) -> str | None:
    """Return a GTIN as 14 digits (GTIN-8/12/13 are left-padded), or ``None`` if empty.

    Raises :class:`ValidationError` for a wrong length, non-digits or a bad check digit.
    """
    raw = text("gtin", value, max_length=20, required=False)
    if raw is None:
        return None
    digits = raw.replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValidationError("gtin", "must be 8, 12, 13 or 14 digits")
    digits = digits.zfill(14)
    if gtin_check_digit(digits[:13]) != int(digits[13]):
        raise ValidationError("gtin", "check digit is wrong")
    return digits


def label_form(value: object, gtin: str | None) -> LabelForm:
    """Return the label form named by ``value`` for a product whose GTIN is ``gtin``.

    Raises :class:`ValidationError` for an unknown form, or the GS1 form without a GTIN.
    """
    form = choice("label_form", value, LabelForm)
    if form is LabelForm.GS1 and not gtin:
        raise ValidationError("label_form", "the GS1 Digital Link label form needs the product's GTIN")
    return form


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the 13 digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def tax_code(value: object) -> str | None:
    """Return a Vietnamese tax code (mã số thuế: 10 digits, or 10-3 for a branch) or ``None``."""
    raw = text("tax_code", value, max_length=20, required=False)
    if raw is None:
        return None
    if not _TAX_CODE.fullmatch(raw):
        raise ValidationError("tax_code", "must be 10 digits, or 10 digits, '-' and 3 digits")
    return raw


def idempotency_key(value: object) -> str | None:
    """Return an offline client's idempotency key (a UUID in its 36-character text form,
    docs/revocation-list.md §11) in lower case, or ``None`` when none was sent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValidationError("idempotency_key", "must be a UUID such as %(example)s", example=EXAMPLE_UUID)
    return value.lower()


EXAMPLE_UUID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

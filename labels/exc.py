"""The one error hierarchy of :mod:`labels`. Errors carry a machine-readable ``reason``."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a scanned text is not a genuine label code. Stable: used by the API and test vectors."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_LABEL = "not_a_label"  # not our URL form, nor bare digits
    BAD_LINK = "bad_link"  # a GS1 Digital Link that breaks GS1's rules (check digit, order, AI)
    BAD_SCHEME = "bad_scheme"  # a URL whose scheme is not http or https (javascript:, ftp:)
    BAD_LENGTH = "bad_length"  # wrong number of digits (truncated or extended)
    BAD_DIGITS = "bad_digits"  # non-digit characters in the code part
    OUT_OF_RANGE = "out_of_range"  # digits do not encode a value of the right size
    UNSUPPORTED_VERSION = "unsupported_version"
    BAD_FIELD = "bad_field"  # a payload field holds an impossible value
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    # A typed short code whose check character does not match: proof of a typing mistake,
    # not of a fake, so callers ask for the code again instead of warning about the product.
    MISTYPED = "mistyped"


class LabelError(Exception):
    """Base class of every error raised by :mod:`labels`."""


class DecodeError(LabelError):
    """The text is not a well-formed label code. ``reason`` says which check failed."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SignatureError(LabelError):
    """The code is well-formed but was not signed by a key we know (``reason`` is
    ``unknown_key`` or ``bad_signature``)."""

    def __init__(self, reason: Reason, kid: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.kid = kid


class PayloadError(LabelError, ValueError):
    """A value cannot be put into a label code (e.g. 2 stars, a date past 2064)."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value


class BaseURLError(LabelError, ValueError):
    """The configured base URL cannot carry label codes (wrong form, too long for QR 6-M)."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"base URL {url!r}: {message}")
        self.url = url


class LayoutError(LabelError, ValueError):
    """A label stock or size cannot hold a readable label (unknown name, QR modules < 0.4 mm)."""

    def __init__(self, stock: str, message: str) -> None:
        super().__init__(f"stock {stock!r}: {message}")
        self.stock = stock

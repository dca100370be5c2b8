"""Text encodings: fixed-width decimal digits for the QR, Crockford base32 for people.

Decimal digits are what QR numeric mode packs best (3.33 bits per character), which is how a
79-byte signed code plus a URL fits in a version 6 symbol at level M. See docs/label-code.md.
"""

from __future__ import annotations

import re

from .exc import DecodeError, Reason

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ASCII_DIGITS = re.compile(r"[0-9]*")


def digit_width(size: int) -> int:
    """Return how many decimal digits encode any ``size``-byte value."""
    return len(str((1 << (8 * size)) - 1))


def bytes_to_digits(data: bytes) -> str:
    """Return ``data`` as a big-endian number in zero-padded decimal of fixed width."""
    return str(int.from_bytes(data, "big")).zfill(digit_width(len(data)))


def digits_to_bytes(text: str, size: int) -> bytes:
    """Return the ``size`` bytes that ``text`` encodes.

    Checks in this order (docs/label-code.md §4.2): only ASCII ``0-9`` (``bad_digits``), then
    exactly the fixed width (``bad_length``), then the value fits ``size`` bytes
    (``out_of_range``). Raises :class:`DecodeError`.
    """
    width = digit_width(size)
    if not _ASCII_DIGITS.fullmatch(text):
        raise DecodeError(Reason.BAD_DIGITS, "the code part must be decimal digits only")
    if len(text) != width:
        raise DecodeError(Reason.BAD_LENGTH, f"the code has {len(text)} digits; a label code has {width}")
    value = int(text)
    if value >> (8 * size):
        raise DecodeError(Reason.OUT_OF_RANGE, "the digits do not encode a label code")
    return value.to_bytes(size, "big")


SHORT_CODE_BITS = 60
SHORT_CODE_CHARS = SHORT_CODE_BITS // 5


def short_code(serial: int) -> str:
    """Return the typed form of a 60-bit serial: 12 Crockford base32 characters and a Luhn
    mod 32 check character, grouped as ``XXXX-XXXX-XXXXC``.

    Raises ``ValueError`` if the serial does not fit in 60 bits.
    """
    if not 0 <= serial < (1 << SHORT_CODE_BITS):
        raise ValueError("serial must be a 60-bit non-negative integer")
    chars = "".join(CROCKFORD[(serial >> (5 * i)) & 31] for i in reversed(range(SHORT_CODE_CHARS)))
    text = chars + check_character(chars)
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def check_character(chars: str) -> str:
    """Return the Luhn mod 32 check character of Crockford base32 ``chars``.

    It catches every single mistyped character and most swaps of two neighbours, and unlike
    Crockford's own mod 37 symbols (``* ~ $ = U``) it is a letter or digit, easy to type on a
    phone keyboard.
    """
    total, factor = 0, 2
    for ch in reversed(chars):
        addend = factor * CROCKFORD.index(ch)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return CROCKFORD[-total % 32]


def parse_short_code(text: str) -> int:
    """Return the serial typed as a short code. Case, spaces, hyphens and the look-alikes
    O/I/L are forgiven.

    Raises :class:`DecodeError`: ``bad_length`` or ``bad_digits`` for a malformed code,
    ``mistyped`` for a wrong check character, so a typo is caught before any lookup.
    """
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_CROCKFORD_ALIASES)
    if len(cleaned) != SHORT_CODE_CHARS + 1:
        raise DecodeError(Reason.BAD_LENGTH, f"a short code has {SHORT_CODE_CHARS + 1} characters")
    body, check = cleaned[:-1], cleaned[-1]
    value = 0
    for ch in body:
        index = CROCKFORD.find(ch)
        if index < 0:
            raise DecodeError(Reason.BAD_DIGITS, f"character {ch!r} is not used in short codes")
        value = value * 32 + index
    if check != check_character(body):
        raise DecodeError(Reason.MISTYPED, "the check character does not match: a character is mistyped")
    return value

"""The signed body of a label code: 15 bytes that say which label, how many stars, until when.

Byte layout (big-endian), format version 1::

    0      version            0x01
    1..4   key id             first 4 bytes of SHA-256 of the signing public key
    5..12  serial             60-bit random label serial; the top 4 bits are zero
    13..14 rating and expiry  bits 15-14: stars - 3 (0, 1, 2); bits 13-0: days from 2020-01-01
                              to the last day the certification is valid
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date, timedelta

from .encoding import SHORT_CODE_BITS, short_code
from .exc import DecodeError, PayloadError, Reason

FORMAT_VERSION = 1
EPOCH = date(2020, 1, 1)
MAX_DAYS = (1 << 14) - 1
LAST_DAY = EPOCH + timedelta(days=MAX_DAYS)  # 2064-11-08
BODY_SIZE = 15
_LAYOUT = struct.Struct(">B4sQH")


@dataclass(frozen=True, slots=True)
class LabelPayload:
    """What a label code says on its own, readable offline."""

    kid: str
    serial: int
    stars: int
    certified_until: date
    version: int = FORMAT_VERSION

    @property
    def short_code(self) -> str:
        """The serial in the form printed on the label for typing by hand."""
        return short_code(self.serial)

    def pack(self) -> bytes:
        """Return the 15-byte body. Raises :class:`PayloadError` for a value the format can't hold."""
        if self.version != FORMAT_VERSION:
            raise PayloadError("version", self.version, f"only version {FORMAT_VERSION} can be written")
        try:
            kid = bytes.fromhex(self.kid)
        except ValueError:
            kid = b""
        if len(kid) != 4:
            raise PayloadError("kid", self.kid, "must be 8 hex digits")
        if not 0 <= self.serial < (1 << SHORT_CODE_BITS):
            raise PayloadError("serial", self.serial, "must be a 60-bit non-negative integer")
        if self.stars not in (3, 4, 5):
            raise PayloadError("stars", self.stars, "OCOP labels carry 3, 4 or 5 stars")
        days = (self.certified_until - EPOCH).days
        if not 0 <= days <= MAX_DAYS:
            raise PayloadError("certified_until", self.certified_until, f"must be within {EPOCH}..{LAST_DAY}")
        return _LAYOUT.pack(self.version, kid, self.serial, (self.stars - 3) << 14 | days)

    @classmethod
    def unpack(cls, body: bytes) -> LabelPayload:
        """Return the payload in a 15-byte body.

        Checks in this order: the version (``unsupported_version``), the serial's reserved bits,
        then the star field (both ``bad_field``). Raises :class:`DecodeError` (also
        ``bad_length`` for a body that is not 15 bytes).
        """
        if len(body) != BODY_SIZE:
            raise DecodeError(Reason.BAD_LENGTH, f"a label body has {BODY_SIZE} bytes, not {len(body)}")
        version, kid, serial, packed = _LAYOUT.unpack(body)
        if version != FORMAT_VERSION:
            raise DecodeError(Reason.UNSUPPORTED_VERSION, f"label code version {version} is not supported")
        if serial >> SHORT_CODE_BITS:
            raise DecodeError(Reason.BAD_FIELD, "the serial's reserved bits are set")
        stars_field = packed >> 14
        if stars_field == 3:
            raise DecodeError(Reason.BAD_FIELD, "the star rating field is invalid")
        return cls(
            kid=kid.hex(),
            serial=serial,
            stars=stars_field + 3,
            certified_until=EPOCH + timedelta(days=packed & MAX_DAYS),
            version=version,
        )

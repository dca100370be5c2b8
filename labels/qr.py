"""The QR symbol for a label text: the module matrix, no drawing here.

The text is a lower-case scheme, the upper-case host and ``/V/``, then the code digits.
zxing-cpp's native encoder splits it into a byte segment (``https``), an alphanumeric segment
(``://HOST/V/``) and a numeric segment (the digits) by itself, the cheapest split (see
:func:`data_bits`); a single-mode encoder would need version 8. It is also ~20 times faster
than a pure-Python encoder, which is what makes issuing 1,000 labels per second possible.
zxing-cpp encodes with mask 0 and :mod:`labels.qrmask` picks the mask (the same one zxing-cpp
would pick, four times faster).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import zxingcpp

from .qrmask import best_mask

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires
V6_M_DATA_BITS = 864  # 108 data codewords of version 6 at level M (ISO/IEC 18004 table 7)
V8_M_DATA_BITS = 1232  # 154 data codewords of version 8 at level M
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_DARK_RUN = re.compile(rb"\x01+")


@dataclass(frozen=True, slots=True)
class QRSymbol:
    """A QR matrix without quiet zone: ``dark`` holds ``size * size`` bytes, 1 for a dark module."""

    version: int
    size: int
    dark: bytes

    @property
    def rows(self) -> tuple[tuple[bool, ...], ...]:
        """The matrix as rows of booleans (True = dark)."""
        n = self.size
        return tuple(tuple(b == 1 for b in self.dark[y * n : (y + 1) * n]) for y in range(n))

    def runs(self) -> list[tuple[int, int, int]]:
        """Return the dark modules as horizontal runs ``(x, y, length)``: fewer shapes to draw."""
        n = self.size
        out: list[tuple[int, int, int]] = []
        for y in range(n):
            row = self.dark[y * n : (y + 1) * n]
            out.extend((m.start(), y, m.end() - m.start()) for m in _DARK_RUN.finditer(row))
        return out


def data_bits(scheme: str, rest: str, digits: int) -> int:
    """Return the data bits of a label text in three segments, for versions 1-9 (whose count
    fields are 8, 9 and 10 bits): ``scheme`` (lower case) in byte mode, ``rest`` (``://``, the
    upper-case host and ``/V/``) in alphanumeric mode and ``digits`` decimal digits in numeric
    mode. An upper-case scheme goes in the alphanumeric segment instead: pass ``scheme=""``."""
    byte = 4 + 8 + 8 * len(scheme) if scheme else 0
    alnum = 4 + 9 + 11 * (len(rest) // 2) + 6 * (len(rest) % 2)
    numeric = 4 + 10 + 10 * (digits // 3) + (0, 4, 7)[digits % 3]
    return byte + alnum + numeric


def optimal_bits(text: str) -> int:
    """Return the fewest data bits of ``text`` in any split into byte, alphanumeric and numeric
    segments, for versions 1-9 (what an encoder that splits segments optimally, such as
    zxing-cpp's, needs; the GS1 form of docs/label-code.md §9.3 is measured with it)."""
    best = [0] + [1 << 30] * len(text)
    for i in range(len(text)):
        for j in range(i, len(text)):  # numeric, then alphanumeric runs starting at i
            if not text[j].isdigit() or not text[j].isascii():
                break
            n = j + 1 - i
            best[j + 1] = min(best[j + 1], best[i] + 14 + 10 * (n // 3) + (0, 4, 7)[n % 3])
        for j in range(i, len(text)):
            if text[j] not in _ALNUM:
                break
            n = j + 1 - i
            best[j + 1] = min(best[j + 1], best[i] + 13 + 11 * (n // 2) + 6 * (n % 2))
        size = 0
        for j in range(i, len(text)):
            size += len(text[j].encode())
            best[j + 1] = min(best[j + 1], best[i] + 12 + 8 * size)
    return best[-1]


def encode(text: str) -> QRSymbol:
    """Return the smallest level-M QR symbol for a label text.

    Raises ``ValueError`` for an empty text or one too long for any QR version.
    """
    if not text:
        raise ValueError("cannot encode an empty text")
    try:
        # Mask 0 here; the mask is chosen by labels.qrmask, ~4 times faster than zxing-cpp's choice.
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=0)
    except Exception as e:  # zxing-cpp raises its own untyped errors; turn them into ValueError
        raise ValueError(f"cannot encode as QR: {e}") from e
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    size = int(image.shape[0])  # type: ignore[index]
    # zxing-cpp draws dark modules as 0 and light as 255.
    _, dark = best_mask(image.tobytes().translate(_TO_DARK), size)
    return QRSymbol(version=(size - 17) // 4, size=size, dark=dark)


_TO_DARK = bytes([1 if v < 128 else 0 for v in range(256)])

"""The QR symbol for a label text: segments, then the module matrix. No drawing here.

The text is split into an alphanumeric segment (the upper-case URL) and a numeric segment
(the code digits). A single-mode encoder would put everything in alphanumeric mode and need
version 8; the two segments fit version 6 at level M.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, MODE_NUMBER, QRData

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires


@dataclass(frozen=True, slots=True)
class QRSymbol:
    """A QR matrix: ``rows[y][x]`` is True for a dark module. No quiet zone included."""

    version: int
    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone."""
        return len(self.rows)


def segments(text: str) -> list[tuple[str, int]]:
    """Return the (data, qrcode mode) segments for a label text: the leading non-digit part in
    alphanumeric mode and the trailing digits in numeric mode."""
    head = text.rstrip("0123456789")
    tail = text[len(head):]
    parts: list[tuple[str, int]] = []
    if head:
        parts.append((head, MODE_ALPHA_NUM))
    if tail:
        parts.append((tail, MODE_NUMBER))
    return parts


def encode(text: str) -> QRSymbol:
    """Return the smallest level-M QR symbol for a label text.

    Raises ``ValueError`` if the text has characters outside the QR alphanumeric set.
    """
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    for data, mode in segments(text):
        qr.add_data(QRData(data.encode("ascii"), mode=mode, check_data=True))
    qr.make(fit=True)
    matrix = qr.get_matrix()
    return QRSymbol(version=int(qr.version), rows=tuple(tuple(bool(m) for m in row) for row in matrix))

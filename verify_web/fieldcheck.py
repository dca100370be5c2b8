"""Reading a label photo on the server with zxing-cpp (no third-party requests, no browser
library). Used by the inspectors' field check."""

from __future__ import annotations

import zxingcpp

from . import photos

FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(Exception):
    """The upload is not a readable image, or holds no QR code. ``kind`` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def qr_texts(data: bytes) -> list[str]:
    """Return the text of every QR code in the image ``data``.

    Raises :class:`PhotoError` with ``kind`` ``not_image`` or ``no_code``.
    """
    try:
        # Greyscale is all zxing-cpp reads; a JPEG decodes straight to it (a third the memory).
        grey = photos.decode(data, mode="L", formats=FORMATS)
    except photos.PhotoError as e:
        raise PhotoError("not_image") from e
    results = zxingcpp.read_barcodes(grey)
    found = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode and r.text]
    if not found:
        raise PhotoError("no_code")
    return found

"""Reading a label photo on the server with zxing-cpp (no third-party requests, no browser
library). Used by the inspectors' field check."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

# A phone photo is ~12 MP; refuse anything far larger before decoding it into memory.
MAX_PIXELS = 40_000_000
MAX_SIDE = 65_535  # zxing-cpp refuses wider or taller images (ValueError)


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
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS or max(image.size) > MAX_SIDE:
                raise PhotoError("not_image")
            image.load()
            grey = image.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError("not_image") from None
    try:
        results = zxingcpp.read_barcodes(grey)
    except ValueError:  # an image zxing-cpp cannot take (the size bound above covers the known one)
        raise PhotoError("not_image") from None
    found = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode and r.text]
    if not found:
        raise PhotoError("no_code")
    return found

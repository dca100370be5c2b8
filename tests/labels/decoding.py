"""Real decoding of printed labels for the tests: pdftoppm for PDF pages, zxing-cpp for QR."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

from tests.support import require


def decode(image: Image.Image) -> list[str]:
    """Return the texts of every QR code zxing-cpp finds in ``image``."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_symbols(image: Image.Image) -> list[tuple[str, int, str]]:
    """Return ``(text, QR version, error-correction level)`` of every QR code zxing-cpp finds."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [(r.text, int(r.extra["Version"]), str(r.extra["ECLevel"])) for r in found]


def rasterize_pdf(pdf: Path, out_dir: Path, dpi: int = 300) -> list[Image.Image]:
    """Return every page of ``pdf`` rendered at ``dpi`` by poppler's pdftoppm."""
    exe = shutil.which("pdftoppm")
    require(exe is not None, "pdftoppm", "install Debian's 'poppler-utils' package")
    assert exe is not None
    subprocess.run([exe, "-r", str(dpi), "-gray", "-png", str(pdf), str(out_dir / "page")], check=True)
    return [Image.open(p) for p in sorted(out_dir.glob("page-*.png"))]


def decode_pdf(pdf: Path, out_dir: Path, dpi: int = 300) -> list[str]:
    """Return the QR texts on all pages of ``pdf``, page by page."""
    return [text for page in rasterize_pdf(pdf, out_dir, dpi) for text in decode(page)]

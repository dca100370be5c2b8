"""Real decoding of printed labels for the tests: pdftoppm or Ghostscript for PDF pages, zxing-cpp for QR."""

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


def rasterize_pdf(pdf: Path, out_dir: Path, dpi: int = 300, renderer: str = "poppler") -> list[Image.Image]:
    """Return every page of ``pdf`` rendered at ``dpi`` by poppler's pdftoppm, or by Ghostscript
    (``renderer="ghostscript"``: what CUPS uses to rasterise a PDF for many printers)."""
    pages = out_dir / f"{renderer}-{dpi}"
    pages.mkdir(exist_ok=True)
    if renderer == "ghostscript":
        exe = shutil.which("gs")
        require(exe is not None, "Ghostscript", "install Debian's 'ghostscript' package")
        assert exe is not None
        out = f"-sOutputFile={pages}/page-%03d.png"
        subprocess.run(
            [exe, "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pnggray", f"-r{dpi}", out, str(pdf)],
            check=True,
        )
    else:
        exe = shutil.which("pdftoppm")
        require(exe is not None, "pdftoppm", "install Debian's 'poppler-utils' package")
        assert exe is not None
        subprocess.run([exe, "-r", str(dpi), "-gray", "-png", str(pdf), str(pages / "page")], check=True)
    return [Image.open(p) for p in sorted(pages.glob("page-*.png"))]


def decode_pdf(pdf: Path, out_dir: Path, dpi: int = 300) -> list[str]:
    """Return the QR texts on all pages of ``pdf``, page by page."""
    return [text for page in rasterize_pdf(pdf, out_dir, dpi) for text in decode(page)]

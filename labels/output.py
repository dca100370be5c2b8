"""Output formats by file name: ``.pdf`` print sheets, ``.svg.zip`` / ``.png.zip`` one file
per label, ``.csv`` a manifest for a print shop's own variable-data software."""

from __future__ import annotations

import csv
import io
import zipfile
from enum import StrEnum
from typing import BinaryIO

from .exc import LayoutError
from .layout import Design
from .pdf import PdfWriter
from .render import LabelWriter, PrintLabel
from .svg import LabelSvg

MANIFEST_FIELDS = ("number", "serial", "short_code", "qr_text")


class Format(StrEnum):
    PDF = "pdf"
    SVG = "svg"
    PNG = "png"
    CSV = "csv"


def format_for(filename: str) -> Format:
    """Return the output format for a file name. Raises :class:`LayoutError` (field ``out``)
    for any other extension, saying which ones work."""
    name = filename.lower()
    for suffix, fmt in (
        (".pdf", Format.PDF),
        (".svg.zip", Format.SVG),
        (".png.zip", Format.PNG),
        (".csv", Format.CSV),
    ):
        if name.endswith(suffix):
            return fmt
    if name.endswith((".svg", ".png")):
        raise LayoutError(
            filename,
            "SVG and PNG labels are one file per label, in a zip: name the file *.svg.zip or *.png.zip",
        )
    raise LayoutError(filename, "the output file must end in .pdf, .svg.zip, .png.zip or .csv")


class CsvWriter:
    """Number, serial, short code and QR text per row (plus the secret when there is one)."""

    def __init__(self, out: BinaryIO, *, with_secret: bool = False) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text)
        self._with_secret = with_secret
        self._csv.writerow((*MANIFEST_FIELDS, "secret") if with_secret else MANIFEST_FIELDS)

    def add(self, label: PrintLabel) -> None:
        row: tuple[object, ...] = (label.number, label.serial, label.short_code, label.text)
        self._csv.writerow((*row, label.secret) if self._with_secret else row)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # leave the binary file open for the caller


class ZipWriter:
    """One SVG or PNG per label in a zip (``000123.svg``, and ``000123-secret.svg`` with secrets)."""

    def __init__(
        self, out: BinaryIO, design: Design, fmt: Format, *, dpi: int = 300, with_secret: bool = False
    ) -> None:
        self._zip = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED if fmt is Format.SVG else zipfile.ZIP_STORED
        )
        self._fmt = fmt
        self._with_secret = with_secret
        if fmt is Format.SVG:
            self._svg = LabelSvg(design)
        else:
            from .raster import LabelRaster  # Pillow only when PNGs are wanted

            self._raster = LabelRaster(design, dpi)

    def add(self, label: PrintLabel) -> None:
        name = f"{label.number:06d}"
        if self._fmt is Format.SVG:
            self._zip.writestr(f"{name}.svg", self._svg.label(label))
            if self._with_secret:
                self._zip.writestr(f"{name}-secret.svg", self._svg.secret(label))
        else:
            self._zip.writestr(f"{name}.png", self._raster.png(self._raster.label(label)))
            if self._with_secret:
                self._zip.writestr(f"{name}-secret.png", self._raster.png(self._raster.secret(label)))

    def close(self) -> None:
        self._zip.close()


def open_writer(
    out: BinaryIO, fmt: Format, design: Design, *, dpi: int = 300, with_secret: bool = False
) -> LabelWriter:
    """Return the streaming writer for ``fmt`` on the binary file ``out``."""
    if fmt is Format.PDF:
        return PdfWriter(out, design, with_secret=with_secret)
    if fmt is Format.CSV:
        return CsvWriter(out, with_secret=with_secret)
    return ZipWriter(out, design, fmt, dpi=dpi, with_secret=with_secret)

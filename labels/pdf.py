"""Print sheets as PDF, written as a stream: each page goes to the file when it is full, so
100,000 labels take no more memory than 1,000.

A small PDF writer of our own rather than reportlab's canvas, which keeps every page in memory
until it saves. The QR is one 1-bit image mask (a stencil, one sample per module: see
:func:`_qr_image`); text is vector, in the embedded Noto Sans (whole font, CIDFontType2, glyph
ids as codes); the parts that are the same on every label of the lot are one Form XObject
drawn once per label.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

from .fonts import FontMetrics, font
from .layout import Design, Text
from .qr import QUIET_ZONE
from .render import PrintLabel

PT_PER_MM = 72 / 25.4
_FONT_KEYS = {"regular": "F1", "bold": "F2"}


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


_ASCII_BITS = bytes(b"1"[0] if v else b"0"[0] for v in range(256))


def _qr_image(dark: bytes, size: int) -> str:
    """The QR as one inline image mask: a 1-bit sample per module (1 = dark, painted in the
    fill colour), each row padded to a whole byte, ASCII-hex coded so no reader has to guess
    where binary data ends. Drawn in a unit square; the caller's ``cm`` sizes it.

    Why an image mask and not a path of module runs: the path cost ~55 µs a label at version 6
    and ~65-100 µs at version 8 (GS1 form), and its deflate as much again, growing with the
    modules; the mask costs a few µs whatever the version and makes the PDF ~5 times smaller.
    A mask is a stencil, not a picture: no colour, no smoothing (``/Interpolate`` is false by
    default), each module's edges fall on device pixels as a rectangle's do, and there are no
    hairline seams between touching rectangles in viewers that anti-alias each one.
    """
    bits = dark.translate(_ASCII_BITS)
    pad = -size % 8
    fill = b"0" * pad
    rows = fill.join([bits[y * size : (y + 1) * size] for y in range(size)]) + fill
    row_bytes = (size + pad) // 8
    data = int(rows, 2).to_bytes(row_bytes * size, "big").hex()
    return f"BI /IM true /W {size} /H {size} /BPC 1 /D [1 0] /F /AHx ID {data}> EI\n"


def _to_unicode(m: FontMetrics) -> bytes:
    """A ToUnicode CMap for the font's glyphs, so text on the sheets can be searched and copied."""
    pairs = sorted({gid: char for char, gid in m.char_to_glyph.items() if gid and char < 0x10000}.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        lines = "\n".join(f"<{gid:04X}> <{char:04X}>" for gid, char in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


class PdfWriter:
    """Writes labels onto pages of the design's stock; with secrets, each label page is followed
    by a page with the scratch-off codes at the same places (for the scratch-off print pass)."""

    def __init__(self, out: BinaryIO, design: Design, *, with_secret: bool = False) -> None:
        self._out = out
        self._design = design
        self._with_secret = with_secret
        self._offsets: dict[int, int] = {}
        self._pos = 0
        self._next_id = 3  # 1 catalog, 2 page tree (written last)
        self._pages: list[int] = []
        self._pending: list[PrintLabel] = []
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self._fonts = {key: self._embed_font(font(style)) for style, key in _FONT_KEYS.items()}
        self._form = self._lot_form()

    # -- the PDF objects -------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._pos += len(data)

    def _reserve(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _object(self, obj_id: int, body: bytes, stream: bytes | None = None) -> None:
        self._offsets[obj_id] = self._pos
        if stream is None:
            self._write(b"%d 0 obj\n%s\nendobj\n" % (obj_id, body))
            return
        data = zlib.compress(stream, 1)
        head = body[:-2] + b" /Filter /FlateDecode /Length %d >>" % len(data)
        self._write(b"%d 0 obj\n%s\nstream\n" % (obj_id, head) + data + b"\nendstream\nendobj\n")

    def _embed_font(self, m: FontMetrics) -> int:
        file_id, desc_id, cid_id, font_id = (self._reserve() for _ in range(4))
        raw = m.path.read_bytes()
        self._object(file_id, b"<< /Length1 %d >>" % len(raw), raw)
        name = m.name.encode()
        bbox = " ".join(str(v) for v in m.bbox).encode()
        self._object(
            desc_id,
            b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s] /ItalicAngle 0 "
            b"/Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile2 %d 0 R >>"
            % (name, m.flags, bbox, m.ascent, m.descent, m.cap_height, m.stem_v, file_id),
        )
        widths: dict[int, int] = {}
        for char, gid in m.char_to_glyph.items():
            widths.setdefault(gid, m.widths.get(char, m.default_width))
        w_array = b" ".join(b"%d [%d]" % (gid, w) for gid, w in sorted(widths.items()))
        self._object(
            cid_id,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry "
            b"(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W [%s] "
            b"/CIDToGIDMap /Identity >>" % (name, desc_id, m.default_width, w_array),
        )
        unicode_id = self._reserve()
        self._object(unicode_id, b"<< >>", _to_unicode(m))
        self._object(
            font_id,
            b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "
            b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, cid_id, unicode_id),
        )
        return font_id

    def _resources(self) -> bytes:
        fonts = b" ".join(b"/%s %d 0 R" % (k.encode(), v) for k, v in self._fonts.items())
        return b"<< /Font << %s >> /XObject << /Lot %d 0 R >> >>" % (fonts, getattr(self, "_form", 0))

    # -- drawing ---------------------------------------------------------------------------
    def _text(self, t: Text, text: str, h: float) -> str:
        """PDF operators for a line of text in label coordinates (label height ``h`` mm)."""
        m = font("bold" if t.bold else "regular")
        glyphs = "".join(f"{g:04X}" for g in m.glyph_ids(text))
        key = _FONT_KEYS["bold" if t.bold else "regular"]
        x, y = _n(t.x * PT_PER_MM), _n((h - t.y) * PT_PER_MM)
        return f"BT /{key} {_n(t.size)} Tf {x} {y} Td <{glyphs}> Tj ET\n"

    def _lot_form(self) -> int:
        d = self._design
        h = d.stock.label_h
        ops = ["0 g\n"]
        for poly in d.stars:
            pts = [(x * PT_PER_MM, (h - y) * PT_PER_MM) for x, y in poly]
            ops.append(
                f"{_n(pts[0][0])} {_n(pts[0][1])} m "
                + " ".join(f"{_n(x)} {_n(y)} l" for x, y in pts[1:])
                + " h f\n"
            )
        ops.extend(self._text(t, t.text, h) for t in d.texts)
        form_id = self._reserve()
        w_pt, h_pt = d.stock.label_w * PT_PER_MM, h * PT_PER_MM
        fonts = b" ".join(b"/%s %d 0 R" % (k.encode(), v) for k, v in self._fonts.items())
        self._object(
            form_id,
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << /Font << %s >> >> >>"
            % (_n(w_pt).encode(), _n(h_pt).encode(), fonts),
            "".join(ops).encode(),
        )
        return form_id

    def _label_ops(self, label: PrintLabel, x_mm: float, y_mm: float, secret_page: bool) -> str:
        d = self._design
        h = d.stock.label_h
        ox, oy = x_mm * PT_PER_MM, (d.stock.page_h - y_mm - h) * PT_PER_MM
        out = [f"q 1 0 0 1 {_n(ox)} {_n(oy)} cm\n"]
        if secret_page:
            out.append(self._text(d.serial_slot, d.serial_text(label.number), h))
            out.append(self._text(d.secret_slot, d.secret_slot.text + (label.secret or ""), h))
            out.append("Q\n")
            return "".join(out)
        out.append("/Lot Do\n")
        g = d.geometry
        m = g.module * PT_PER_MM
        top = (h - g.qr_y) * PT_PER_MM - QUIET_ZONE * m
        left = g.qr_x * PT_PER_MM + QUIET_ZONE * m
        # The image's unit square scaled to the symbol; its first row is drawn at the top.
        side = label.symbol.size * m
        out.append(f"q 0 g {_n(side)} 0 0 {_n(side)} {_n(left)} {_n(top - side)} cm\n")
        out.append(_qr_image(label.symbol.dark, label.symbol.size))
        out.append("Q\n")
        assert label.symbol.size + 2 * QUIET_ZONE <= g.modules, "the layout is for a smaller QR version"
        out.append(self._text(d.serial_slot, d.serial_text(label.number), h))
        code = d.code_line(label.short_code)
        out.append(self._text(code, code.text, h))
        out.append("Q\n")
        return "".join(out)

    def _page(self, labels: list[PrintLabel], secret_page: bool) -> None:
        stock = self._design.stock
        ops = "".join(self._label_ops(label, *stock.slot(i), secret_page) for i, label in enumerate(labels))
        content_id, page_id = self._reserve(), self._reserve()
        self._object(content_id, b"<< >>", ops.encode())
        self._object(
            page_id,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R >>"
            % (
                _n(stock.page_w * PT_PER_MM).encode(),
                _n(stock.page_h * PT_PER_MM).encode(),
                self._resources(),
                content_id,
            ),
        )
        self._pages.append(page_id)

    def _flush(self) -> None:
        if self._pending:
            self._page(self._pending, secret_page=False)
            if self._with_secret:
                self._page(self._pending, secret_page=True)
            self._pending = []

    # -- the writer interface --------------------------------------------------------------
    def add(self, label: PrintLabel) -> None:
        """Queue a label; a full page is written out at once."""
        self._pending.append(label)
        if len(self._pending) == self._design.stock.per_page:
            self._flush()

    def close(self) -> None:
        """Write the last page, the page tree and the cross-reference table. Does not close the file."""
        self._flush()
        kids = b" ".join(b"%d 0 R" % p for p in self._pages)
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self._pages)))
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /PrintScaling /None >> >>")
        xref = self._pos
        count = self._next_id
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % count]
        lines.extend(b"%010d 00000 n \n" % self._offsets.get(i, 0) for i in range(1, count))
        self._write(b"".join(lines))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))

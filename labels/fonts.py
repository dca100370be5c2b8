"""The label fonts: Noto Sans Regular and Bold, shipped in ``labels/fonts/`` (SIL OFL, see
OFL.txt) so every machine draws the same Vietnamese glyphs. Metrics only; no drawing here."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFontFile

FONT_DIR = Path(__file__).parent / "fonts"
FILES = {"regular": FONT_DIR / "NotoSans-Regular.ttf", "bold": FONT_DIR / "NotoSans-Bold.ttf"}
ELLIPSIS = "…"


@dataclass(frozen=True)
class FontMetrics:
    """What drawing and PDF embedding need: glyph ids and widths in 1/1000 em."""

    name: str
    path: Path
    char_to_glyph: dict[int, int]
    widths: dict[int, int]
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    flags: int
    stem_v: int
    default_width: int

    def width_mm(self, text: str, size_pt: float) -> float:
        """Return the advance width of ``text`` at ``size_pt`` points, in millimetres."""
        units = sum(self.widths.get(ord(ch), self.default_width) for ch in text)
        return units * size_pt / 1000 * 25.4 / 72

    def glyph_ids(self, text: str) -> list[int]:
        """Return the glyph id of each character (0, the .notdef box, when the font lacks it)."""
        return [self.char_to_glyph.get(ord(ch), 0) for ch in text]


@functools.cache
def font(style: str) -> FontMetrics:
    """Return the metrics of ``regular`` or ``bold``. Raises ``KeyError`` for another style."""
    path = FILES[style]
    ttf = TTFontFile(str(path))
    return FontMetrics(
        name=f"NotoSans-{style.title()}",
        path=path,
        char_to_glyph=dict(ttf.charToGlyph),
        widths={c: int(w) for c, w in ttf.charWidths.items()},
        ascent=int(ttf.ascent),
        descent=int(ttf.descent),
        cap_height=int(ttf.capHeight),
        bbox=(int(ttf.bbox[0]), int(ttf.bbox[1]), int(ttf.bbox[2]), int(ttf.bbox[3])),
        flags=int(ttf.flags),
        stem_v=int(ttf.stemV),
        default_width=int(ttf.defaultWidth),
    )


def clean(text: str) -> str:
    """Return ``text`` in NFC (precomposed Vietnamese letters, which the font maps directly),
    with control characters and line breaks turned into spaces."""
    nfc = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in nfc).strip()


def fit(text: str, style: str, size_pt: float, width_mm: float, min_pt: float) -> tuple[str, float]:
    """Return ``(text, size)`` that fits ``width_mm``: the size shrunk down to ``min_pt``, then
    the text shortened with an ellipsis if it still does not fit."""
    metrics = font(style)
    width = metrics.width_mm(text, size_pt)
    if width <= width_mm:
        return text, size_pt
    size = max(min_pt, size_pt * width_mm / width * 0.98)
    if metrics.width_mm(text, size) <= width_mm:
        return text, size
    cut = text
    while cut and metrics.width_mm(cut + ELLIPSIS, size) > width_mm:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS, size

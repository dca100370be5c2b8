"""Label stock and the label's design, in millimetres. Renderers (PDF, SVG, PNG) draw what
:func:`design` returns, so every format shows the same label at the same size.

Coordinates are millimetres from the label's top-left corner, y downwards.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .exc import LayoutError
from .fonts import clean, fit, font

MIN_MODULE_MM = 0.4
QR_MODULES = 41 + 2 * 4  # version 6 plus the 4-module quiet zone on each side
# The GS1 Digital Link form is version 8 (docs/label-code.md §9.3): 22.8 mm at 0.4 mm a module,
# so it fits the A4 sheet's 25.4 mm labels but not the 20 mm roll.
GS1_QR_MODULES = 49 + 2 * 4
MM_PER_PT = 25.4 / 72
MIN_TEXT_PT = 3.0


@dataclass(frozen=True, slots=True)
class Stock:
    """A label stock: page size, label size and the grid of labels on the page."""

    name: str
    page_w: float
    page_h: float
    label_w: float
    label_h: float
    columns: int = 1
    rows: int = 1
    margin_left: float = 0.0
    margin_top: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def slot(self, index: int) -> tuple[float, float]:
        """Return the top-left corner (mm) of the label at ``index`` on a page, row by row."""
        row, col = divmod(index, self.columns)
        return self.margin_left + col * self.label_w, self.margin_top + row * self.label_h


STOCKS = {
    # A4 sheet, 4 columns × 10 rows of 48.5 × 25.4 mm, no gaps, centred on the page.
    "a4-40": Stock("a4-40", 210.0, 297.0, 48.5, 25.4, columns=4, rows=10, margin_left=8.0, margin_top=21.5),
    # Roll of 30 × 20 mm labels for a thermal printer: one label per page.
    "roll-30x20": Stock("roll-30x20", 30.0, 20.0, 30.0, 20.0),
}
_CUSTOM = re.compile(r"custom:(?P<w>\d+(?:\.\d+)?)x(?P<h>\d+(?:\.\d+)?)")


def parse_stock(text: str) -> Stock:
    """Return the stock named ``a4-40``, ``roll-30x20`` or ``custom:WxH`` (mm, one label a page).

    Raises :class:`LayoutError` for another name or a size too small for the QR and text.
    """
    name = text.strip().lower()
    if name in STOCKS:
        return STOCKS[name]
    match = _CUSTOM.fullmatch(name)
    if not match:
        raise LayoutError(text, f"unknown stock; use one of {', '.join(STOCKS)} or custom:WIDTHxHEIGHT in mm")
    w, h = float(match["w"]), float(match["h"])
    if not (10 <= w <= 200 and 10 <= h <= 200):
        raise LayoutError(text, "custom labels must be 10–200 mm on each side")
    stock = Stock(f"custom:{w:g}x{h:g}", w, h, w, h)
    geometry(stock)  # refuse sizes the QR does not fit
    return stock


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where the QR (quiet zone included) and the text column sit on a label."""

    module: float
    qr_x: float
    qr_y: float
    text_x: float
    text_y: float
    text_w: float
    text_h: float
    modules: int = QR_MODULES  # the QR's width in modules, quiet zone included

    @property
    def qr_box(self) -> float:
        return self.module * self.modules


def geometry(stock: Stock, modules: int = QR_MODULES) -> Geometry:
    """Return the label's geometry for a QR ``modules`` wide (quiet zone included). The QR takes
    the label height (at most 55% of the width, unless that is needed for 0.4 mm modules) so
    its modules are as big as possible.

    Raises :class:`LayoutError` if a module would be under 0.4 mm or no room is left for text.
    """
    pad = 0.2
    box = min(stock.label_h - 2 * pad, max(stock.label_w * 0.55, MIN_MODULE_MM * modules))
    module = math.floor(box / modules * 1000) / 1000
    if module < MIN_MODULE_MM:
        raise LayoutError(
            stock.name, f"the QR would have {module:.3f} mm modules; at least {MIN_MODULE_MM} mm needed"
        )
    qr_box = module * modules
    text_x = pad + qr_box
    text_w = stock.label_w - text_x - 1.0
    if text_w < 8:
        raise LayoutError(stock.name, "no room left beside the QR for the label text")
    return Geometry(
        module, pad, (stock.label_h - qr_box) / 2, text_x, 1.0, text_w, stock.label_h - 2.0, modules
    )


@dataclass(frozen=True, slots=True)
class LotFacts:
    """What every label of a lot shows: the same on each, so it is laid out once."""

    product: str
    producer: str
    province: str
    stars: int
    lot_code: str
    base_url: str
    qr_modules: int = QR_MODULES  # GS1_QR_MODULES for the GS1 Digital Link form


@dataclass(frozen=True, slots=True)
class Text:
    """A line of text: left edge and baseline in mm, size in points."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Design:
    """A lot's label: fixed parts (``texts``, ``stars``) and where the variable parts go."""

    stock: Stock
    geometry: Geometry
    texts: tuple[Text, ...]
    stars: tuple[tuple[tuple[float, float], ...], ...]  # one polygon per star
    serial_slot: Text  # text is the prefix; the label number is appended
    code_slot: Text  # text is the prefix; the short code is appended
    secret_slot: Text

    def serial_text(self, number: int) -> str:
        return f"{self.serial_slot.text}{number:06d}"

    def code_text(self, short_code: str) -> str:
        return f"{self.code_slot.text}{short_code}"

    def code_line(self, short_code: str) -> Text:
        """The short-code line of one label, shrunk for this code if it would be cut: the one
        line that must be typed exactly when the QR is damaged."""
        slot = self.code_slot
        text = self.code_text(short_code)
        width = font("bold").width_mm(text, slot.size)
        size = slot.size if width <= self.geometry.text_w else slot.size * self.geometry.text_w / width * 0.98
        return Text(slot.x, slot.y, size, text, bold=True)


def stars_words(stars: int) -> str:
    """The rating in words, as printed: ``4 sao OCOP``."""
    return f"{stars} sao OCOP"


def domain(base_url: str) -> str:
    """The verify site's host (and port, if any) as people type it, in lower case."""
    return urlsplit(base_url.lower()).netloc or base_url.lower()


def design(stock: Stock, facts: LotFacts) -> Design:
    """Return the label design for a lot. Raises :class:`LayoutError` for a stock too small
    (the 30 × 20 mm roll for the GS1 form's version 8 QR)."""
    g = geometry(stock, facts.qr_modules)
    # A narrow column (a 30 mm roll) gives the stars a line of their own.
    narrow = g.text_w < 15
    lines = 8 if narrow else 7
    first = 1 if narrow else 0
    pitch = g.text_h / lines
    size = min(7.5, pitch / MM_PER_PT * 0.8)
    x, w = g.text_x, g.text_w

    def baseline(i: int) -> float:
        return g.text_y + pitch * (i + first) + pitch * 0.8

    star_h = min(pitch * 0.8, (w if narrow else w * 0.45) / (5 * 1.05))
    star_w = star_h * 1.05
    star_polys = tuple(
        _star(x + star_w * (i + 0.5), g.text_y + pitch * 0.45, star_h / 2) for i in range(facts.stars)
    )
    words_x = x if narrow else x + star_w * facts.stars + 0.8
    texts: list[Text] = []

    def add(
        i: int, text: str, bold: bool = False, at: float = x, width: float = w, scale: float = 1.0
    ) -> None:
        fitted, fsize = fit(clean(text), "bold" if bold else "regular", size * scale, width, MIN_TEXT_PT)
        texts.append(Text(at, baseline(i), fsize, fitted, bold))

    add(0, stars_words(facts.stars), True, words_x, x + w - words_x)
    add(1, facts.product, True)
    # Who made it and where: one size for both lines, smaller than the product name.
    add(2, facts.producer, scale=0.75)
    add(3, facts.province, scale=0.75)
    add(6, domain(facts.base_url), scale=0.85)
    # Variable lines: sized for the widest value so every label of the lot looks the same.
    serial_prefix = f"Số tem: {clean(facts.lot_code)} · "
    _, serial_size = fit(serial_prefix + "000000", "regular", size, w, MIN_TEXT_PT)
    if _ != serial_prefix + "000000":
        serial_prefix = "Số tem: "
        _, serial_size = fit(serial_prefix + "000000", "regular", size, w, MIN_TEXT_PT)
    # The short code must never be cut: on a narrow label it goes without its "Mã: " prefix.
    widest_code = "WWWW-WWWW-WWWWW"
    code_prefix = "Mã: "
    fitted, code_size = fit(code_prefix + widest_code, "bold", size, w, MIN_TEXT_PT)
    if fitted != code_prefix + widest_code:
        code_prefix = ""
        _, code_size = fit(widest_code, "bold", size, w, MIN_TEXT_PT)
    _, secret_size = fit("Mã cào: WWWWW-WWWWW", "bold", size, w, MIN_TEXT_PT)
    return Design(
        stock=stock,
        geometry=g,
        texts=tuple(texts),
        stars=star_polys,
        serial_slot=Text(x, baseline(4), serial_size, serial_prefix),
        code_slot=Text(x, baseline(5), code_size, code_prefix, bold=True),
        secret_slot=Text(x, baseline(5), secret_size, "Mã cào: ", bold=True),
    )


def _star(cx: float, cy: float, r: float) -> tuple[tuple[float, float], ...]:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.4
        angle = math.pi / 2 + k * math.pi / 5
        points.append((round(cx + radius * math.cos(angle), 3), round(cy - radius * math.sin(angle), 3)))
    return tuple(points)

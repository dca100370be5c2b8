"""One label as SVG: vector QR and text, sized in millimetres so it prints at its real size.
Text names the Noto Sans family shipped in ``labels/fonts`` (installed on our machines by
Debian's fonts-noto-core)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from .layout import Design, Text
from .qr import QUIET_ZONE
from .render import PrintLabel

_FONT = "'Noto Sans', sans-serif"


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _text(t: Text, text: str) -> str:
    weight = ' font-weight="bold"' if t.bold else ""
    return (
        f'<text x="{_n(t.x)}" y="{_n(t.y)}" font-size="{_n(t.size * 25.4 / 72)}"{weight}>'
        f"{escape(text)}</text>"
    )


class LabelSvg:
    """Renders a lot's labels; the lot's fixed parts are formatted once."""

    def __init__(self, design: Design) -> None:
        self.design = design
        stock = design.stock
        self._head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(stock.label_w)}mm" '
            f'height="{_n(stock.label_h)}mm" viewBox="0 0 {_n(stock.label_w)} {_n(stock.label_h)}" '
            f'font-family="{escape(_FONT, {chr(39): "&apos;"})}">'
            f'<rect width="100%" height="100%" fill="#fff"/>'
        )
        stars = "".join(
            '<polygon points="' + " ".join(f"{_n(x)},{_n(y)}" for x, y in poly) + '"/>'
            for poly in design.stars
        )
        self._fixed = stars + "".join(_text(t, t.text) for t in design.texts)

    def label(self, label: PrintLabel) -> str:
        """Return the label's SVG document."""
        d = self.design
        g = d.geometry
        left, top = g.qr_x + QUIET_ZONE * g.module, g.qr_y + QUIET_ZONE * g.module
        path = "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in label.symbol.runs())
        qr = (
            f'<path transform="translate({_n(left)} {_n(top)}) scale({_n(g.module)})" '
            f'shape-rendering="crispEdges" d="{path}"/>'
        )
        code = d.code_line(label.short_code)
        variable = _text(d.serial_slot, d.serial_text(label.number)) + _text(code, code.text)
        return f'{self._head}<g fill="#000">{self._fixed}{qr}{variable}</g></svg>\n'

    def secret(self, label: PrintLabel) -> str:
        """Return the scratch-off panel (number and secret) as an SVG of the label's size."""
        d = self.design
        body = _text(d.serial_slot, d.serial_text(label.number)) + _text(
            d.secret_slot, d.secret_slot.text + (label.secret or "")
        )
        return f'{self._head}<g fill="#000">{body}</g></svg>\n'

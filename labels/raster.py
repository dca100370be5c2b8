"""Label images (PNG) at 300 or 600 dpi. The only module that imports Pillow.

The parts that are the same on every label of a lot are drawn once into a background image;
each label then costs one copy, one pasted QR and two lines of text.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from .fonts import FILES
from .layout import Design, Text
from .qr import QUIET_ZONE
from .render import PrintLabel

DPI_CHOICES = (300, 600)
_WHITE = 255


@cache
def _font(style: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FILES[style]), px)


class LabelRaster:
    """Draws one lot's labels at ``dpi``. Raises ``ValueError`` for a dpi other than 300 or 600."""

    def __init__(self, design: Design, dpi: int = 300) -> None:
        if dpi not in DPI_CHOICES:
            raise ValueError(f"dpi must be one of {DPI_CHOICES}")
        self.design = design
        self.dpi = dpi
        self._px = dpi / 25.4
        stock = design.stock
        self.size = (round(stock.label_w * self._px), round(stock.label_h * self._px))
        self._background = self._draw_background()

    def _text(self, draw: ImageDraw.ImageDraw, t: Text, text: str) -> None:
        px = max(1, round(t.size * self.dpi / 72))
        draw.text(
            (t.x * self._px, t.y * self._px),
            text,
            fill=0,
            anchor="ls",
            font=_font("bold" if t.bold else "regular", px),
        )

    def _draw_background(self) -> Image.Image:
        image = Image.new("L", self.size, _WHITE)
        draw = ImageDraw.Draw(image)
        for poly in self.design.stars:
            draw.polygon([(x * self._px, y * self._px) for x, y in poly], fill=0)
        for t in self.design.texts:
            self._text(draw, t, t.text)
        return image

    def label(self, label: PrintLabel) -> Image.Image:
        """Return the label as a greyscale image (white background, black print)."""
        image = self._background.copy()
        g = self.design.geometry
        symbol = label.symbol
        modules = Image.frombytes("L", (symbol.size, symbol.size), symbol.dark.translate(_GREY))
        side = round(symbol.size * g.module * self._px)
        origin = (
            round((g.qr_x + QUIET_ZONE * g.module) * self._px),
            round((g.qr_y + QUIET_ZONE * g.module) * self._px),
        )
        image.paste(modules.resize((side, side), Image.Resampling.NEAREST), origin)
        draw = ImageDraw.Draw(image)
        self._text(draw, self.design.serial_slot, self.design.serial_text(label.number))
        code = self.design.code_line(label.short_code)
        self._text(draw, code, code.text)
        return image

    def secret(self, label: PrintLabel) -> Image.Image:
        """Return the scratch-off panel of a label: its number and secret, at the label's size."""
        image = Image.new("L", self.size, _WHITE)
        draw = ImageDraw.Draw(image)
        self._text(draw, self.design.serial_slot, self.design.serial_text(label.number))
        self._text(draw, self.design.secret_slot, self.design.secret_slot.text + (label.secret or ""))
        return image

    def png(self, image: Image.Image) -> bytes:
        """Return ``image`` as PNG bytes carrying the dpi, so it prints at its real size."""
        out = io.BytesIO()
        image.save(out, "PNG", dpi=(self.dpi, self.dpi), optimize=False)
        return out.getvalue()


_GREY = bytes([0 if v else _WHITE for v in range(256)])

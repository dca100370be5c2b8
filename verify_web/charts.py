"""Bar charts as plain geometry for server-side SVG (templates draw them; no script, no
inline style, so the strict CSP holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 320, 160, 20


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: int


def bars(data: Sequence[tuple[str, int]], *, width: int = WIDTH, height: int = HEIGHT) -> list[Bar]:
    """Return one bar per (label, value), scaled so the largest fills the chart height."""
    if not data:
        return []
    top = max(v for _, v in data) or 1
    slot = width / len(data)
    usable = height - PAD
    return [
        Bar(
            x=round(i * slot + slot * 0.1, 2),
            y=round(usable - usable * v / top, 2),
            w=round(slot * 0.8, 2),
            h=round(usable * v / top, 2),
            label=label,
            value=v,
        )
        for i, (label, v) in enumerate(data)
    ]

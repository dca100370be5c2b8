"""Bar charts as plain geometry for server-side SVG: a value axis with round ticks, a value on
every bar, category labels, a colour class per series (verdicts keep their colour on every
chart) and a legend. Templates draw them (``staff/_names.html``); no script and no inline
style, so the strict CSP holds. The same rows are drawn as a table for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Drawn at 420 × 240 units: on a 360 px phone a unit is ~0.8 px, so 11-unit text stays legible.
WIDTH, HEIGHT = 420, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 16, 40  # room for the value axis and the category labels
VERDICT_CLASSES = ("genuine", "expired", "revoked", "invalid")


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    short: str  # the label cut to fit under its bar
    value: int
    css: str  # "bar-genuine", "bar-revoked", … or "bar" for a single-series chart
    show_label: bool  # crowded charts label every few bars only


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: bars, value-axis ticks, the plot's edges, and the legend's (class, name)."""

    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[tuple[str, str], ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def right(self) -> int:
        return self.width - RIGHT


def nice_step(top: int, most_ticks: int = 5) -> int:
    """Return a tick step of 1, 2 or 5 × 10ⁿ giving at most ``most_ticks`` steps up to ``top``."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if top <= m * step * most_ticks:
                return m * step
        step *= 10


def series_class(key: str) -> str:
    """Return the colour class of a series key: verdicts have their own, the rest share one."""
    return f"bar-{key}" if key in VERDICT_CLASSES else "bar"


def bar_chart(
    data: Sequence[tuple[str, int]],
    *,
    keys: Sequence[str] | None = None,
    legend: Sequence[tuple[str, str]] = (),
) -> Chart:
    """Return a vertical bar chart of (label, value) rows. ``keys`` (one per row) pick the
    colour class (see :func:`series_class`); ``legend`` is (key, name) pairs to explain them.
    The value axis runs from 0 to a round number at or above the largest value."""
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - RIGHT
    largest = max((v for _, v in data), default=0)
    step = nice_step(max(largest, 1))
    top = step * -(-max(largest, 1) // step)
    ticks = tuple(Tick(round(TOP + plot_h - plot_h * v / top, 2), v) for v in range(0, top + 1, step))
    slot = plot_w / len(data) if data else plot_w
    every = max(1, -(-len(data) // 10))  # at most 10 category labels fit
    fit = max(4, int(slot * every / 6.5))  # characters of 11-unit text under a label's slots
    bars = tuple(
        Bar(
            x=round(LEFT + i * slot + slot * 0.15, 2),
            y=round(TOP + plot_h - plot_h * v / top, 2),
            w=round(slot * 0.7, 2),
            h=round(plot_h * v / top, 2),
            label=label,
            short=label if len(label) <= fit else label[: fit - 1] + "…",
            value=v,
            css=series_class(keys[i]) if keys else "bar",
            show_label=i % every == 0,
        )
        for i, (label, v) in enumerate(data)
    )
    return Chart(bars, ticks, tuple((series_class(k), name) for k, name in legend))

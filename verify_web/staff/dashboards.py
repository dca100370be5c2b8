"""The dashboards' charts, built from the figures of ``traceability.services.dashboard`` with
names in the reader's language. Shared by the admin, inspector and producer home pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext

from verify_web.staff.charts import VERDICT_CLASSES, Chart, bar_chart
from verify_web.staff.names import VERDICTS


def day_chart(per_day: Sequence[tuple[date, int]]) -> Chart:
    """Return scans per local calendar day (labelled dd/mm)."""
    return bar_chart([(d.strftime("%d/%m"), n) for d, n in per_day])


def verdict_chart(mix: Sequence[tuple[str, int]]) -> Chart:
    """Return the verdict mix in a fixed order, every verdict in its own colour, with a legend."""
    counts = dict(mix)
    keys = [v for v in VERDICT_CLASSES if v in counts]
    return bar_chart(
        [(str(VERDICTS[v]), counts[v]) for v in keys],
        keys=keys,
        legend=[(v, str(VERDICTS[v])) for v in keys],
    )


def area_chart(rows: Sequence[tuple[str, int]], *, most: int = 12) -> Chart:
    """Return (area, count) rows as a chart; an unknown area is named so."""
    return bar_chart([(area or gettext("unknown"), n) for area, n in rows[:most]])

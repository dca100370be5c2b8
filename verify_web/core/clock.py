"""The programme's clock and its one calendar.

Certificates end on a Vietnamese calendar day, so "today" is the date on the ``OCOP_TIMEZONE``
clock (default Asia/Ho_Chi_Minh) for every caller — the verify path, printing from the browser,
``ocop issue`` and ``ocop verify``, the staff pages — never the machine's ``date.today()``: on a
UTC server the two disagree for seven hours a day.

The clock itself is ``OCOP_CLOCK`` given to ``create_app`` (a function returning an aware
``datetime``; tests freeze time with it), else the system clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current instant, in UTC."""
    return datetime.now(UTC)


def zone() -> ZoneInfo:
    """Return the programme's time zone (checked when the app was built)."""
    return ZoneInfo(current_app.config["OCOP_TIMEZONE"])


def now() -> datetime:
    """Return the current instant on the app's clock, in UTC."""
    clock: Clock = current_app.config.get("OCOP_CLOCK") or system_clock
    return clock().astimezone(UTC)


def today() -> date:
    """Return today's date on the programme's calendar (``OCOP_TIMEZONE``)."""
    return now().astimezone(zone()).date()


def days_back(days: int) -> datetime:
    """Return local midnight ``days - 1`` days ago (in UTC), so ``days`` calendar days of the
    programme's clock are covered."""
    midnight = now().astimezone(zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - timedelta(days=days - 1)).astimezone(UTC)

"""Times as staff read them: on the programme's clock (``OCOP_TIMEZONE``, default
Asia/Ho_Chi_Minh) in the Vietnamese order, ``15:04, 01/12/2026``. The ``localtime`` template
filter and the CSV exports both use :func:`local_text`, so a page and its export agree."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app

from verify_web.core.clock import zone


def zone_name() -> str:
    """Return the zone's name as exports state it, e.g. ``Asia/Ho_Chi_Minh``."""
    return str(current_app.config["OCOP_TIMEZONE"])


def local_text(value: date | datetime | None, *, seconds: bool = False) -> str:
    """Return a timestamp as ``HH:MM, dd/mm/yyyy`` on the programme's clock, a calendar date
    as ``dd/mm/yyyy``, and ``None`` as the empty string. Stored times are UTC-aware; a naive
    one is a programming error and raises :class:`ValueError`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; stored times are timezone-aware UTC")
        moment = value.astimezone(zone())
        return moment.strftime("%H:%M:%S, %d/%m/%Y" if seconds else "%H:%M, %d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def local_day(value: datetime) -> date:
    """Return the calendar day of ``value`` on the programme's clock."""
    return value.astimezone(zone()).date()


def init_app(app: Flask) -> None:
    """Register the ``localtime`` filter (``{{ scan.at|localtime }}``)."""
    app.jinja_env.filters["localtime"] = local_text

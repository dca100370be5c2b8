"""The staff printing forms read into requests: what to issue or reprint, on which label stock
and in which file format, with the browser's limits on a run's size. Parsing only; refusals are
:class:`FormRefused` (400 for a field that does not parse)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from flask_babel import format_number, gettext

from labels.output import Format
from labels.runfiles import parse_numbers
from verify_web.core.bounds import MAX_ID
from verify_web.errors import FormRefused

# A browser request must finish in seconds (measured: 10,000 labels as PDF ~6 s, as PNG ~48 s on
# one core), so fewer labels per request than `ocop issue` (100,000); PNG rendering is slowest.
WEB_MAX_COUNT = 10_000
PNG_MAX_COUNT = 2_000
STOCKS = ("a4-40", "roll-30x20")
# Form value → (format, file name ending, media type).
FORMATS: dict[str, tuple[Format, str, str]] = {
    "pdf": (Format.PDF, ".pdf", "application/pdf"),
    "png": (Format.PNG, ".png.zip", "application/zip"),
    "svg": (Format.SVG, ".svg.zip", "application/zip"),
    "csv": (Format.CSV, ".csv", "text/csv"),
}


@dataclass(frozen=True)
class IssueRequest:
    """A parsed issue form. ``fields()`` gives it back as form values (for the confirm page)."""

    product: int
    lot: str
    count: int
    stock: str
    format: str
    secret: bool
    first: int | None = None  # the first number the confirm page showed, if it came from there

    def fields(self) -> dict[str, str]:
        """Return the request as the form's field names and values."""
        return {
            k: ("1" if v is True else "" if v is False or v is None else str(v))
            for k, v in asdict(self).items()
        }


@dataclass(frozen=True)
class ReprintRequest:
    """A parsed reprint form; ``numbers`` ``None`` means every active label of the lot."""

    product: int
    lot: str
    numbers: tuple[int, int] | None
    stock: str
    format: str


def _text(form: Mapping[str, str], name: str, limit: int = 100) -> str:
    return form.get(name, "").strip()[:limit]


def _whole(form: Mapping[str, str], name: str) -> int:
    raw = _text(form, name)
    # Bounded before it reaches the database: ids and label numbers are INTEGER columns.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_ID:
        raise FormRefused(
            gettext("Please check “%(field)s”: it must be a whole number.", field=name), status=400
        )
    return int(raw)


def _common(form: Mapping[str, str]) -> tuple[int, str, str, str]:
    product = _whole(form, "product")
    lot = _text(form, "lot", 40)
    if not lot:
        raise FormRefused(gettext("Please give the lot code."), status=400)
    stock = _text(form, "stock", 40) or STOCKS[0]
    if stock == "custom":  # the form's "custom size" choice, with its width and height in mm
        stock = f"custom:{_text(form, 'stock_width', 8)}x{_text(form, 'stock_height', 8)}"
    fmt = _text(form, "format") or "pdf"
    if fmt not in FORMATS:
        raise FormRefused(gettext("Please choose an output format from the list."), status=400)
    return product, lot, stock, fmt


def read_issue(form: Mapping[str, str]) -> IssueRequest:
    """Return the issue form's request. Raises :class:`FormRefused` (400 for a field that does
    not parse, 422 for a count outside 1..WEB_MAX_COUNT, or 1..PNG_MAX_COUNT for PNG images)."""
    product, lot, stock, fmt = _common(form)
    count = _whole(form, "count")
    most = PNG_MAX_COUNT if fmt == "png" else WEB_MAX_COUNT
    if not 1 <= count <= most:
        raise FormRefused(
            gettext(
                "The count must be from 1 to %(most)s labels per browser request; "
                "issue larger runs in several requests or with “ocop issue”.",
                most=format_number(most),
            )
        )
    first = _whole(form, "first") if _text(form, "first") else None
    return IssueRequest(product, lot, count, stock, fmt, form.get("secret", "") == "1", first)


def read_reprint(form: Mapping[str, str]) -> ReprintRequest:
    """Return the reprint form's request. Raises :class:`FormRefused` (400)."""
    product, lot, stock, fmt = _common(form)
    raw = _text(form, "numbers", 40)
    try:
        numbers = parse_numbers(raw) if raw else None
    except ValueError:
        raise FormRefused(
            gettext("Please give the label numbers as A..B (for example 120..180), or leave them empty."),
            status=400,
        ) from None
    return ReprintRequest(product, lot, numbers, stock, fmt)

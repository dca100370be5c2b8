"""The registry spreadsheet a province keeps: one row per product, with its producer and its
latest OCOP certification, read from CSV (UTF-8, comma or semicolon) or XLSX (openpyxl).

Headers are Vietnamese (:data:`COLUMNS`); matching ignores case, diacritics and spacing, so
"Ten chu the" and "TÊN CHỦ THỂ" both name the producer column. Pure functions: no database.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .exc import ValidationError

# (field, header): the order of the template.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("legal_name", "Tên chủ thể"),
    ("kind", "Loại hình chủ thể"),
    ("tax_code", "Mã số thuế"),
    ("commune", "Xã/phường"),
    ("province", "Tỉnh/thành phố"),
    ("contact", "Liên hệ"),
    ("product", "Tên sản phẩm"),
    ("group", "Nhóm sản phẩm"),
    ("gtin", "Mã GTIN"),
    ("stars", "Số sao"),
    ("number", "Số quyết định"),
    ("issued_on", "Ngày quyết định"),
    ("valid_until", "Hiệu lực đến"),
)
HEADERS = dict(COLUMNS)
REQUIRED = ("legal_name", "kind", "commune", "province", "product", "group")
MAX_ROWS = 20_000
EXAMPLE = (
    "HTX Dịch vụ tổng hợp Đông Cao",
    "Hợp tác xã",
    "0109876543",
    "Xã Mê Linh",
    "Thành phố Hà Nội",
    "0912 345 678",
    "Mật ong rừng Đông Cao",
    "Thực phẩm",
    "",
    "4",
    "1234/QĐ-UBND",
    "15/03/2026",
    "",
)


def fold(text: str) -> str:
    """``text`` without case, diacritics (đ → d) or repeated spaces, for matching names."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in plain if unicodedata.category(ch) != "Mn")
    return " ".join(bare.casefold().replace("_", " ").split())


_BY_HEADER = {fold(header): field for field, header in COLUMNS}


@dataclass(frozen=True)
class SheetRow:
    """One data row: ``number`` as the spreadsheet shows it (the header is row 1)."""

    number: int
    values: dict[str, Any]


def read(data: bytes, filename: str) -> list[SheetRow]:
    """Return the data rows of a ``.csv`` or ``.xlsx`` file (blank rows skipped).

    Raises :class:`ValidationError` (field ``file``): unknown type, unreadable file, a missing
    required column, an unknown column, or more than :data:`MAX_ROWS` rows.
    """
    name = filename.lower()
    table: Iterator[Sequence[object]]
    if name.endswith(".xlsx"):
        table = _xlsx(data)
    elif name.endswith(".csv"):
        table = _csv(data)
    else:
        raise ValidationError("file", "must be a .csv or .xlsx file")
    header = next(table, None)
    if header is None:
        raise ValidationError("file", "is empty")
    fields = []
    for cell in header:
        title = "" if cell is None else str(cell)
        field = _BY_HEADER.get(fold(title))
        if field is None and title.strip():
            raise ValidationError("file", "has an unknown column %(column)s", column=title.strip())
        fields.append(field)
    missing = [HEADERS[f] for f in REQUIRED if f not in fields]
    if missing:
        raise ValidationError("file", "lacks the columns: %(columns)s", columns=", ".join(missing))
    rows: list[SheetRow] = []
    for number, cells in enumerate(table, start=2):
        values = {f: _clean(c) for f, c in zip(fields, cells, strict=False) if f is not None}
        if all(v in (None, "") for v in values.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise ValidationError("file", "has more than %(n)d rows; split it", n=MAX_ROWS)
        rows.append(SheetRow(number, values))
    return rows


def template(kind: str) -> bytes:
    """Return an empty template (headers and one example row) as ``csv`` or ``xlsx``."""
    headers = [header for _field, header in COLUMNS]
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows([headers, EXAMPLE])
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sản phẩm OCOP"
    sheet.append(headers)
    sheet.append(list(EXAMPLE))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(header) + 4)
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()


def _clean(cell: object) -> Any:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a number cell: 4.0 stars, a tax code typed as a number
    if isinstance(cell, int | float):
        return str(cell)
    if isinstance(cell, str | date):
        return cell
    return None if cell is None else str(cell)


def _csv(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValidationError("file", "is not UTF-8 text; save the CSV as UTF-8") from e
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return iter(list(csv.reader(io.StringIO(text), delimiter=delimiter)))


def _xlsx(data: bytes) -> Iterator[tuple[object, ...]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ValidationError("file", "is not a readable .xlsx workbook") from e
    sheet = book.worksheets[0]
    return sheet.iter_rows(values_only=True)

"""traceability.services.bulk_values: the bulk import's cells as a province writes them, and
one row's cells checked with every refusal collected (no database: pure functions)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from traceability import ValidationError
from traceability.enums import ProducerKind, ProductGroup
from traceability.services.bulk_values import group_of, kind_of, row_fields, sheet_date, stars_of


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("Hợp tác xã", ProducerKind.COOPERATIVE),
        ("HTX", ProducerKind.COOPERATIVE),
        ("doanh nghiep", ProducerKind.ENTERPRISE),
    ],
)
def test_kind_of_reads_vietnamese_with_or_without_diacritics(cell: str, kind: ProducerKind) -> None:
    assert kind_of(cell) is kind


def test_refused_cells_name_their_field() -> None:
    for read, cell, field in (
        (kind_of, "ngân hàng", "kind"),
        (group_of, "xe máy", "group"),
        (stars_of, "6 sao", "stars"),
    ):
        with pytest.raises(ValidationError) as bad:
            read(cell)
        assert bad.value.field == field


def test_groups_stars_and_dates() -> None:
    assert group_of("Thực phẩm") is ProductGroup.FOOD
    assert (stars_of("4 sao"), stars_of("5★"), stars_of(3)) == (4, 5, 3)
    assert sheet_date("issued_on", "05/03/2026", required=True) == date(2026, 3, 5)  # dd/mm/yyyy
    assert sheet_date("issued_on", "2026-03-05", required=True) == date(2026, 3, 5)
    assert sheet_date("issued_on", datetime(2026, 3, 5, 8, 0), required=True) == date(2026, 3, 5)
    assert sheet_date("valid_until", "", required=False) is None
    with pytest.raises(ValidationError):
        sheet_date("issued_on", "", required=True)
    with pytest.raises(ValidationError):
        sheet_date("issued_on", "31/02/2026", required=True)


def _row(**cells: object) -> dict[str, object]:
    base = {
        "legal_name": "HTX Mê Linh",
        "kind": "HTX",
        "commune": "xã Tráng Việt",
        "province": "Hà Nội",
        "product": "Củ cải",
        "group": "Thực phẩm",
    }
    return base | cells


def test_row_fields_checks_every_cell_and_collects_every_refusal() -> None:
    errors: list[ValidationError] = []
    f = row_fields(_row(), errors)
    assert errors == [] and (f["kind"], f["group"], f["stars"], f["issued_on"]) == (
        ProducerKind.COOPERATIVE,
        ProductGroup.FOOD,
        None,
        None,
    )
    certified = row_fields(_row(stars="4", number="QĐ 1", issued_on="01/02/2026"), errors)
    assert errors == [] and (certified["stars"], certified["issued_on"]) == (4, date(2026, 2, 1))
    bad = row_fields(
        _row(kind="?", group="?", number="QĐ 2", issued_on="01/02/2026", valid_until="01/01/2026"), errors
    )
    assert {e.field for e in errors} == {"kind", "group", "stars", "valid_until"}
    assert bad["kind"] is None and bad["number"] == "QĐ 2"

"""Bulk import from a province's spreadsheet: reading CSV and XLSX, the dry run's outcomes,
matching what is registered, and an all-or-nothing commit."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability import StateError, ValidationError, spreadsheet
from traceability.models import AuditEntry, Certification, Producer, Product
from traceability.provinces import canonical
from traceability.services import bulk_import, producers

HEADER = [header for _field, header in spreadsheet.COLUMNS]
GOOD = [
    [
        "HTX Mật ong Đông Cao",
        "Hợp tác xã",
        "0109876543",
        "Xã Mê Linh",
        "Hà Nội",
        "",
        "Mật ong rừng",
        "Thực phẩm",
        "",
        "4",
        "12/QĐ-UBND",
        "15/03/2026",
        "",
    ],
    [
        "HTX Mật ong Đông Cao",
        "HTX",
        "0109876543",
        "Xã Mê Linh",
        "TP Hà Nội",
        "",
        "Sáp ong",
        "thuc pham",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "Hộ kinh doanh Trà Tân Cương",
        "Hộ kinh doanh",
        "",
        "Phường Tân Cương",
        "thai nguyen",
        "0912 345 678",
        "Trà xanh Tân Cương",
        "Đồ uống",
        "8934567890120",
        "5 sao",
        "9/QĐ-TTg",
        "2026-01-10",
        "10/01/2029",
    ],
]


def csv_file(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts(session: Session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m))
        for m in (Producer, Product, Certification, AuditEntry)
    )


def test_import_adds_producers_products_and_certifications(session: Session) -> None:
    plan = bulk_import.plan_import(session, spreadsheet.read(csv_file(GOOD), "tinh.csv"))
    assert plan.ok and [r.number for r in plan.rows] == [2, 3, 4]
    assert [(r.producer, r.product, r.certification) for r in plan.rows] == [
        ("new", "new", "new"),
        ("row", "new", ""),
        ("new", "new", "new"),
    ]
    assert counts(session) == (0, 0, 0, 0)  # the dry run writes nothing
    bulk_import.commit_import(session, plan, actor="admin", source="tinh.csv")
    session.commit()
    assert counts(session) == (2, 3, 2, 1)
    honey = session.scalars(select(Product).where(Product.name == "Sáp ong")).one()
    assert honey.producer.province == "Thành phố Hà Nội" and honey.producer.tax_code == "0109876543"
    tea = session.scalars(select(Product).where(Product.name == "Trà xanh Tân Cương")).one()
    (cert,) = tea.certifications
    assert (cert.stars, cert.level.value, cert.issued_on, cert.valid_until) == (
        5,
        "central",
        date(2026, 1, 10),
        date(2029, 1, 10),
    )
    assert tea.producer.province == "Thái Nguyên" and tea.gtin == "08934567890120"
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "registry.import" and entry.detail["products"] == 3


def test_a_bad_row_leaves_the_registry_unchanged(session: Session) -> None:
    bad = [
        *GOOD,
        [
            "HTX Lúa Bắc Giang",
            "Hợp tác xã",
            "",
            "Xã Tân Yên",
            "Bắc Giang",
            "",
            "Gạo nếp",
            "Thực phẩm",
            "",
            "6",
            "1/QĐ",
            "31/02/2026",
            "",
        ],
    ]
    plan = bulk_import.plan_import(session, spreadsheet.read(xlsx_file(bad), "tinh.xlsx"))
    assert not plan.ok and plan.errors == 1
    errors = {e.field for e in plan.rows[-1].errors}
    assert errors == {"province", "stars", "issued_on"}
    with pytest.raises(StateError):
        bulk_import.commit_import(session, plan, actor="admin", source="tinh.xlsx")
    session.commit()
    assert counts(session) == (0, 0, 0, 0)


def test_importing_again_matches_what_is_registered(session: Session) -> None:
    first = bulk_import.plan_import(session, spreadsheet.read(csv_file(GOOD), "a.csv"))
    bulk_import.commit_import(session, first, actor="admin", source="a.csv")
    again = bulk_import.plan_import(session, spreadsheet.read(csv_file(GOOD, ";"), "a.csv"))
    assert again.ok and (again.producers, again.products, again.certifications) == (0, 0, 0)
    assert {r.certification for r in again.rows} == {"existing", ""}
    rerated = [[*GOOD[0][:9], "5", "77/QĐ-TTg", "01/06/2026", ""]]
    plan = bulk_import.plan_import(session, spreadsheet.read(csv_file(rerated), "b.csv"))
    assert (plan.rows[0].producer, plan.rows[0].product, plan.rows[0].certification) == (
        "existing",
        "existing",
        "new",
    )


def test_conflicts_within_the_file_and_with_the_registry(session: Session) -> None:
    registered = producers.create_producer(
        session,
        actor="t",
        legal_name="Công ty Nước mắm",
        kind="enterprise",
        commune="x",
        province="Khánh Hòa",
    )
    producers.create_product(
        session, actor="t", producer_id=registered.id, name="Nước mắm", group="food", gtin="8934567890120"
    )
    rows = [
        [
            "Cơ sở A",
            "Hộ kinh doanh",
            "",
            "Xã B",
            "Khánh Hòa",
            "",
            "Nước mắm nhĩ",
            "Thực phẩm",
            "8934567890120",
            "",
            "",
            "",
            "",
        ],
        ["Cơ sở A", "Hộ kinh doanh", "", "Xã B", "Khánh Hòa", "", "Cá khô", "Thực phẩm", "", "", "", "", ""],
        ["Cơ sở A", "Hộ kinh doanh", "", "Xã B", "Khánh Hòa", "", "cá  khô", "Thực phẩm", "", "", "", "", ""],
        ["Cơ sở C", "Trang trại", "123", "", "Khánh Hòa", "", "Yến", "Quà tặng", "123", "4", "", "", ""],
    ]
    plan = bulk_import.plan_import(session, spreadsheet.read(csv_file(rows), "c.csv"))
    messages = [[e.message for e in r.errors] for r in plan.rows]
    assert messages[0] == ["GTIN 08934567890120 is already registered"]
    assert messages[1] == []
    assert messages[2] == ["repeats the product of row 3"]
    assert {e.field for e in plan.rows[3].errors} == {
        "kind",
        "tax_code",
        "commune",
        "group",
        "gtin",
        "number",
        "issued_on",
    }


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a,b\n", "x.txt", "must be a .csv or .xlsx"),
        (b"", "x.csv", "is empty"),
        (b"\xff\xfe\x00", "x.csv", "UTF-8"),
        (b"PK\x03\x04 not a zip", "x.xlsx", "readable .xlsx"),
        ("Tên chủ thể,Màu sắc\nA,B\n".encode(), "x.csv", "unknown column Màu sắc"),
        ("Tên chủ thể\nA\n".encode(), "x.csv", "lacks the columns"),
    ],
)
def test_unreadable_files_are_one_clear_error(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        spreadsheet.read(data, name)
    assert refused.value.field == "file" and message in refused.value.message


def test_templates_have_the_vietnamese_headers() -> None:
    rows = spreadsheet.read(spreadsheet.template("csv"), "mau.csv")
    assert len(rows) == 1 and rows[0].values["legal_name"] == "HTX Dịch vụ tổng hợp Đông Cao"
    book = load_workbook(io.BytesIO(spreadsheet.template("xlsx")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER and "Tên chủ thể" in HEADER
    assert len(spreadsheet.read(spreadsheet.template("xlsx"), "mau.xlsx")) == 1


def test_provinces_are_the_34_of_2025() -> None:
    from traceability.provinces import names

    assert len(names()) == 34
    assert canonical("tp. hồ chí minh") == "Thành phố Hồ Chí Minh" and canonical("Thanh Hoá") == "Thanh Hóa"
    with pytest.raises(ValidationError):
        canonical("Hà Tây")  # merged into Hà Nội in 2008

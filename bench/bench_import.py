"""How long a province's registry spreadsheet takes to import.

Each round, on a fresh migrated SQLite file, interleaved:
- import: ``spreadsheet.read`` of an XLSX file of N rows (one product each, a producer per
  two rows, a certification on every row), ``plan_import`` (the dry run) and
  ``commit_import`` with the commit: what ``ocop registry import FILE --commit`` does;
- baseline: the same producers, products and certifications inserted with three Core
  ``insert()`` statements (no reading, no checks): the floor for writing those rows.
Every round is printed, then the medians and the ratio import / baseline.
Goal: 10,000 rows in under 30 s.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--rounds 3] [--csv]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert
from sqlalchemy.orm import Session

from traceability import make_engine, upgrade
from traceability.models import Certification, Producer, Product
from traceability.provinces import names
from traceability.services.bulk_import import commit_import, plan_import
from traceability.spreadsheet import COLUMNS, read


def sheet_rows(count: int) -> list[list[object]]:
    provinces = names()
    rows: list[list[object]] = []
    for n in range(count):
        producer = n // 2
        rows.append(
            [
                f"HTX Nông sản số {producer}",
                "Hợp tác xã",
                f"{1000000000 + producer}",
                f"Xã Thử Nghiệm {producer % 50}",
                provinces[producer % len(provinces)],
                "",
                f"Sản phẩm {n}",
                "Thực phẩm",
                "",
                str(3 + n % 3),
                f"{n}/QĐ-UBND",
                "15/03/2026",
                "",
            ]
        )
    return rows


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([header for _f, header in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _f, header in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode()


def fresh(folder: Path, name: str) -> Session:
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return Session(engine)


def run_import(session: Session, data: bytes, filename: str) -> int:
    plan = plan_import(session, read(data, filename))
    assert plan.ok, [r.errors for r in plan.rows if r.errors][:3]
    commit_import(session, plan, actor="bench", source=filename)
    session.commit()
    return plan.products


def run_baseline(session: Session, rows: list[list[object]]) -> int:
    producers = {int(str(r[2])) - 1000000000: r for r in rows}
    session.execute(
        insert(Producer),
        [
            {
                "id": p + 1,
                "legal_name": r[0],
                "kind": "cooperative",
                "commune": r[3],
                "province": r[4],
                "tax_code": r[2],
            }
            for p, r in producers.items()
        ],
    )
    session.execute(
        insert(Product),
        [{"id": n + 1, "producer_id": n // 2 + 1, "name": r[6], "group": "food"} for n, r in enumerate(rows)],
    )
    session.execute(
        insert(Certification),
        [
            {
                "product_id": n + 1,
                "stars": int(str(r[9])),
                "number": r[10],
                "level": "province",
                "issued_on": date(2026, 3, 15),
                "valid_until": date(2029, 3, 15),
            }
            for n, r in enumerate(rows)
        ],
    )
    session.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--csv", action="store_true", help="import a CSV file instead of XLSX")
    args = parser.parse_args()
    if not 1 <= args.rows <= 20_000 or not 1 <= args.rounds <= 20:
        parser.error("--rows must be from 1 to 20000 and --rounds from 1 to 20")
    rows = sheet_rows(args.rows)
    filename = "registry.csv" if args.csv else "registry.xlsx"
    data = csv_bytes(rows) if args.csv else xlsx(rows)
    print(f"{args.rows} rows, {filename} of {len(data) / 1e6:.1f} MB, SQLite")
    print(f"{'round':>5}  {'import s':>9}  {'baseline s':>11}  {'ratio':>6}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(1, args.rounds + 1):
            with fresh(Path(folder), f"import{n}.db") as session:
                start = time.perf_counter()
                assert run_import(session, data, filename) == args.rows
                took = time.perf_counter() - start
            with fresh(Path(folder), f"base{n}.db") as session:
                start = time.perf_counter()
                run_baseline(session, rows)
                base = time.perf_counter() - start
            results.append((took, base))
            print(f"{n:>5}  {took:>9.2f}  {base:>11.2f}  {took / base:>5.1f}x")
    took_m, base_m = (statistics.median(c) for c in zip(*results, strict=True))
    print(
        f"median: import {took_m:.2f} s ({args.rows / took_m:,.0f} rows/s), baseline {base_m:.2f} s, "
        f"ratio {took_m / base_m:.1f}x"
    )
    print(
        "goal (every round under 30 s for 10,000 rows): "
        + ("met" if max(r[0] for r in results) < 30 else "MISSED")
    )


if __name__ == "__main__":
    main()

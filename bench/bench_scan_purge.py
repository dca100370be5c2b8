"""``ocop scans purge``, measured: how long one batch's transaction holds its locks (on SQLite,
the database's write lock, which the scan writer waits for), and its rows a second against
inserting the same rows in the same run, on a SQLite file and on a PostgreSQL server this
script starts with production durability (fsync on).

    .venv/bin/python bench/bench_scan_purge.py [--rows 100000] [--batch 10000] [--rounds 3]
        [--db sqlite|postgresql|both]

Each round fills ``scans`` with ``--rows`` rows dated 25 months ago (executemany in
transactions of ``--batch`` rows: the baseline), then deletes them with
:func:`traceability.services.scan_retention.purge_batch`, a transaction a batch, as the command
does. Every round is printed: insert rows/s, purge rows/s, their ratio, and the batch
transactions' wall time (median and longest, ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import Engine, insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from verify_setup import database  # noqa: E402

from traceability import make_engine, upgrade  # noqa: E402
from traceability.models import Scan  # noqa: E402
from traceability.services import scan_retention  # noqa: E402
from traceability.services.reports import months_before  # noqa: E402


@contextmanager
def engine_for(kind: str, folder: Path) -> Iterator[Engine]:
    """A migrated engine on a SQLite file or a PostgreSQL server (fsync on) under ``folder``."""
    with database(kind, folder) as (url, _log):
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def fill(engine: Engine, rows: int, batch: int, at: datetime) -> float:
    """Insert ``rows`` old scans; return rows a second."""
    row = {
        "at": at,
        "verdict": "genuine",
        "channel": "web",
        "area": "01",
        "device": "android",
        "source_hash": "h" * 24,
    }
    began = time.perf_counter()
    for start in range(0, rows, batch):
        with Session(engine) as session, session.begin():
            session.execute(insert(Scan), [row] * min(batch, rows - start))
    return rows / (time.perf_counter() - began)


def purge(engine: Engine, batch: int, before: datetime) -> tuple[float, list[float]]:
    """Delete every scan before ``before``; return rows a second and each batch's ms."""
    times, total = [], 0
    began = time.perf_counter()
    while True:
        start = time.perf_counter()
        with Session(engine) as session, session.begin():
            done = scan_retention.purge_batch(session, before=before, limit=batch)
        times.append((time.perf_counter() - start) * 1000)
        total += done
        if done < batch:
            break
    return total / (time.perf_counter() - began), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=scan_retention.BATCH)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.rows < 1 or args.batch < 1 or args.rounds < 1:
        parser.error("--rows, --batch and --rounds must be positive")
    now = datetime.now(UTC)
    before = months_before(now, scan_retention.KEPT_MONTHS)
    old = before - timedelta(days=30)
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        with tempfile.TemporaryDirectory() as folder, engine_for(kind, Path(folder)) as engine:
            print(f"{kind}: {args.rows} rows, batches of {args.batch}")
            for round_ in range(1, args.rounds + 1):
                inserted = fill(engine, args.rows, args.batch, old)
                purged, times = purge(engine, args.batch, before)
                held = f"{statistics.median(times):.0f} ms median, {max(times):.0f} ms longest"
                print(
                    f"  round {round_}: insert {inserted:,.0f} rows/s, purge {purged:,.0f} rows/s "
                    f"(ratio {purged / inserted:.2f}); a batch's transaction {held}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

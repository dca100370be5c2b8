"""Step 1 of docs/scaling.md, measured: the scans table partitioned by month against the one
table the registry has today, on a PostgreSQL server this script starts with production
durability (fsync, synchronous_commit and full_page_writes on).

    .venv/bin/python bench/bench_partitions.py [--months 4] [--rows-per-month 100000] [--rounds 3]

The plain table is the registry's own ``scans`` (migrated schema, foreign key to ``labels``);
the partitioned one, ``scans_by_month``, has the same columns, indexes and foreign key, the
primary key ``(id, at)`` that partitioning requires, and one partition a month. Both receive
the same rows in 1,000-row transactions, taking turns batch by batch (so the machine's noise
falls on both alike), as the scan writer inserts them. Then, every round shown:

- **insert**: rows a second into each, per month of rows;
- **history read**: the scan page's read of a label's latest scans inside the clone window
  (``label_id = ? AND at >= ?``, newest 20), µs a call for random labels, both tables in turn;
- **retention**: the oldest month removed from each, a month a round: ``DELETE`` (then the
  ``VACUUM`` it leaves to do) against ``DETACH PARTITION … CONCURRENTLY`` and ``DROP TABLE``,
  with the time and the WAL each writes (``pg_current_wal_lsn``).

Not the app's migration (none exists; docs/scaling.md says what it would do).
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scaling import AREAS, DEVICES, DurablePostgres  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from keys import private_key_from_seed  # noqa: E402
from tests.support.factories import make_world  # noqa: E402
from tests.support.pg import find_bindir  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import issuance, labels  # noqa: E402

LABELS = 20_000
BATCH = 1_000
COLUMNS = "at, serial, label_id, verdict, channel, area, claimed_area, device, source_hash"
HISTORY = (
    "SELECT at, area, source_hash FROM {table} WHERE label_id = %s AND at >= %s ORDER BY at DESC LIMIT 20"
)


def month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def partitioned_table(c: psycopg.Connection[Any], months: list[datetime]) -> None:
    """``scans_by_month``: the registry's scans table, partitioned by month of ``at``."""
    c.execute(
        """CREATE TABLE scans_by_month (
            id bigint NOT NULL DEFAULT nextval('scans_id_seq'),
            at timestamp with time zone NOT NULL,
            serial bigint,
            label_id integer REFERENCES labels (id),
            verdict varchar(20) NOT NULL,
            channel varchar(10) NOT NULL,
            area varchar(100),
            claimed_area varchar(100),
            device varchar(40),
            source_hash varchar(32),
            PRIMARY KEY (id, at)
        ) PARTITION BY RANGE (at)"""
    )
    for index, columns in (("at", "at"), ("serial_at", "serial, at"), ("label_at", "label_id, at")):
        c.execute(f"CREATE INDEX ix_scans_by_month_{index} ON scans_by_month ({columns})")
    for start in months:
        end = month_start(start.year, start.month + 1)
        c.execute(
            f"CREATE TABLE scans_{start:%Y_%m} PARTITION OF scans_by_month "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )


def wal(c: psycopg.Connection[Any]) -> int:
    row = c.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
    assert row is not None
    return int(row[0])


def timed(c: psycopg.Connection[Any], sql: str) -> tuple[float, int]:
    """Run ``sql`` (autocommit); return its seconds and the WAL bytes written meanwhile."""
    before, began = wal(c), time.perf_counter()
    c.execute(sql)
    return time.perf_counter() - began, wal(c) - before


def insert_rows(
    c: psycopg.Connection[Any], months: list[datetime], per_month: int, ids: list[tuple[int, int]]
) -> None:
    """Insert ``per_month`` rows a month into both tables, batch by batch in turns; print each
    month's insert rate for each."""
    print("insert, rows/s (1,000-row transactions, the tables taking turns)")
    print("month    | scans (one table) | scans_by_month (partitioned)")
    for start in months:
        seconds = {"scans": 0.0, "scans_by_month": 0.0}
        span = (month_start(start.year, start.month + 1) - start).total_seconds()
        for first in range(0, per_month, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, per_month)):
                label_id, serial = ids[random.randrange(len(ids))]
                at = start + timedelta(seconds=span * n / per_month)
                rows.append(
                    (
                        at,
                        serial,
                        label_id,
                        "genuine",
                        ("web", "api")[n % 2],
                        AREAS[n % 4],
                        None,
                        DEVICES[n % 4],
                        secrets.token_hex(16),
                    )
                )
            order = ("scans", "scans_by_month") if first // BATCH % 2 == 0 else ("scans_by_month", "scans")
            for table in order:
                began = time.perf_counter()
                with c.transaction(), c.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {table} ({COLUMNS}) VALUES ({', '.join(['%s'] * 9)})", rows
                    )
                seconds[table] += time.perf_counter() - began
        print(
            f"{start:%Y-%m}  | {per_month / seconds['scans']:>17,.0f} | "
            f"{per_month / seconds['scans_by_month']:>12,.0f}"
        )


def history_reads(
    c: psycopg.Connection[Any], ids: list[tuple[int, int]], until: datetime, rounds: int
) -> None:
    """Median µs of the history read on each table (the 7 days before ``until``, the end of the
    newest month), ``rounds`` rounds of 2,000 labels: prepared on the server, as psycopg does
    after 5 executions on a connection (a generic plan, pruned when it runs), and not."""
    print("history read, µs a call (median of 2,000 random labels; the tables taking turns)")
    print("round | prepared: scans | scans_by_month | not prepared: scans | scans_by_month")
    since = until - timedelta(days=7)
    tables = ("scans", "scans_by_month")
    for r in range(rounds):
        found: dict[tuple[str, bool], list[float]] = {(t, p): [] for t in tables for p in (True, False)}
        for _ in range(2_000):
            label_id = ids[random.randrange(len(ids))][0]
            for table in tables if r % 2 == 0 else tables[::-1]:
                for prepare in (True, False):
                    began = time.perf_counter()
                    c.execute(HISTORY.format(table=table), (label_id, since), prepare=prepare).fetchall()
                    found[table, prepare].append((time.perf_counter() - began) * 1e6)
        cells = [f"{statistics.median(found[t, p]):5.0f}" for p in (True, False) for t in tables]
        print(f"{r + 1:>5} | " + " | ".join(cells))


def sizes(c: psycopg.Connection[Any], months: list[datetime]) -> None:
    c.execute("CHECKPOINT")
    for name in ("scans", *(f"scans_{m:%Y_%m}" for m in months)):
        row = c.execute(
            "SELECT pg_total_relation_size(%s::regclass), pg_indexes_size(%s::regclass), "
            "(SELECT count(*) FROM " + name + ")",
            (name, name),
        ).fetchone()
        assert row is not None
        total, indexes, count = row
        print(
            f"  {name}: {count:,} rows, {total / 2**20:.1f} MiB ({indexes / 2**20:.1f} MiB indexes), "
            f"{total / count:.0f} B a row"
        )


def retention(c: psycopg.Connection[Any], months: list[datetime], rounds: int) -> None:
    """Remove the oldest month from each table, a month a round."""
    print("retention: the oldest month out of each table (seconds, WAL MiB)")
    print("round | month   | DELETE        | then VACUUM   | DETACH CONCURRENTLY | DROP TABLE")
    for r, start in enumerate(months[:rounds]):
        end = month_start(start.year, start.month + 1)
        delete = timed(c, f"DELETE FROM scans WHERE at < '{end.isoformat()}'")
        vacuum = timed(c, "VACUUM scans")
        detach = timed(c, f"ALTER TABLE scans_by_month DETACH PARTITION scans_{start:%Y_%m} CONCURRENTLY")
        drop = timed(c, f"DROP TABLE scans_{start:%Y_%m}")
        cells = [f"{s:6.2f} s {w / 2**20:6.1f}" for s, w in (delete, vacuum, detach, drop)]
        print(f"{r + 1:>5} | {start:%Y-%m} | " + " | ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=4)
    parser.add_argument("--rows-per-month", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not 2 <= args.months <= 24 or not 1_000 <= args.rows_per_month <= 10_000_000:
        parser.error("--months must be 2..24 and --rows-per-month 1,000..10,000,000")
    bindir = find_bindir()
    if bindir is None:
        print("needs PostgreSQL (Debian's 'postgresql' package)", file=sys.stderr)
        return 2
    server = DurablePostgres(bindir)
    server.start()
    try:
        engine = make_engine(server.url())
        upgrade(engine)
        with Session(engine) as s:
            world = make_world(s)
            issuance.record_labels(
                s,
                actor="bench",
                lot=world.lot,
                certification=world.certification,
                key_id=private_key_from_seed(bytes(range(32))).kid,
                serials=labels.new_serials(LABELS),
                first_number=1,
            )
            s.commit()
        engine.dispose()
        now = datetime.now(UTC)
        months = [month_start(now.year, now.month - k) for k in range(args.months - 1, -1, -1)]
        url = server.url().replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as c:
            ids = [(int(i), int(s)) for i, s in c.execute("SELECT id, serial FROM labels").fetchall()]
            partitioned_table(c, months)
            print(
                f"PostgreSQL 15 (fsync on), {LABELS:,} labels, {args.months} months of "
                f"{args.rows_per_month:,} scans in each table"
            )
            insert_rows(c, months, args.rows_per_month, ids)
            c.execute("ANALYZE scans")
            c.execute("ANALYZE scans_by_month")
            print("sizes after CHECKPOINT:")
            sizes(c, months)
            newest = months[-1]
            history_reads(c, ids, month_start(newest.year, newest.month + 1), args.rounds)
            retention(c, months, min(args.rounds, args.months - 1))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

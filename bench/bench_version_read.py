"""What reading the registry version costs PostgreSQL as the audit log grows: the counter row
of revision 0015 (``registry_state``, one primary-key read) against the reading before it (the
newest audit id and a count of the 1,000 ids below it), with ``SELECT 1`` as the baseline, on
a server this script starts with production durability.

    .venv/bin/python bench/bench_version_read.py [--calls 3000] [--rounds 3]

For each audit log size (10, 1,000, 5,000, 100,000 entries) prints, per statement, the client's
round trip (µs per call, prepared, autocommit, as the verify path runs it) and the server's
execution time (``EXPLAIN ANALYZE``), every round, the statements taking turns in each round.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pg import PostgresServer, find_bindir  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402

STATEMENTS = {
    "SELECT 1": "SELECT 1",
    "registry_state (now)": "SELECT (SELECT version FROM registry_state WHERE id = 1)",
    "max id + count (before)": (
        "SELECT (SELECT max(id) FROM audit_log),"
        " (SELECT count(id) FROM audit_log WHERE id > (SELECT max(id) FROM audit_log) - 1000)"
    ),
}
SIZES = (10, 1_000, 5_000, 100_000)


def round_trip(connection: psycopg.Connection, sql: str, calls: int) -> float:
    for _ in range(20):  # past psycopg's prepare threshold
        connection.execute(sql, prepare=True).fetchone()
    began = time.perf_counter()
    for _ in range(calls):
        connection.execute(sql, prepare=True).fetchone()
    return (time.perf_counter() - began) / calls * 1e6


def server_ms(connection: psycopg.Connection, sql: str) -> float:
    plan = [row[0] for row in connection.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql)]
    line = next(text for text in plan if text.startswith("Execution Time"))
    return float(line.split(":")[1].split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (100 <= args.calls <= 100_000 and 1 <= args.rounds <= 20):
        print("Error: --calls must be from 100 to 100000 and --rounds from 1 to 20", file=sys.stderr)
        return 2
    bindir = find_bindir()
    if bindir is None:
        print("Error: PostgreSQL is not installed (Debian package 'postgresql')", file=sys.stderr)
        return 2
    server = PostgresServer(bindir)
    server.start(durable=True)
    try:
        upgrade(make_engine(server.url()))
        url = server.url().replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            print("audit entries | statement | round trip µs (median; every round) | server ms")
            for size in SIZES:
                have = connection.execute("SELECT count(*) FROM audit_log").fetchone()
                missing = size - (have[0] if have else 0)
                connection.execute(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, summary, detail)"
                    " SELECT now(), 'bench', 'edit', 'product', '1', 'change', '{}'"
                    " FROM generate_series(1, %s)",
                    (missing,),
                )
                connection.execute("VACUUM ANALYZE audit_log")
                figures: dict[str, list[float]] = {name: [] for name in STATEMENTS}
                for _round in range(args.rounds):
                    for name, sql in STATEMENTS.items():
                        figures[name].append(round_trip(connection, sql, args.calls))
                for name, values in figures.items():
                    every = " ".join(f"{v:.1f}" for v in values)
                    median = statistics.median(values)
                    ms = server_ms(connection, STATEMENTS[name])
                    print(f"{size:>7,} | {name:<24} | {median:7.1f} ({every}) | {ms:.3f}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

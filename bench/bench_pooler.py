"""Step 3 of docs/scaling.md, measured: what PgBouncer in transaction mode adds to a read of
the verify path, against the same read straight to PostgreSQL, on a server this script starts
with production durability and Debian's ``pgbouncer`` in front of it.

    .venv/bin/python bench/bench_pooler.py [--calls 3000] [--rounds 3]

The read is the registry version's primary-key lookup (the verify path's smallest statement),
run one call after another on one autocommit connection, as a worker's read connection runs
it. Three ways, taking turns each round: straight and prepared on the server (the shipped
default), straight and not prepared, and through PgBouncer not prepared
(``DATABASE_PREPARED_STATEMENTS=off``, which PgBouncer before 1.21 needs). µs a call, every
round.
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
from tests.support.pgbouncer import PgBouncer, find_pgbouncer  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402

READ = "SELECT version FROM registry_state WHERE id = %s"


def per_call(url: str, prepare: bool, calls: int) -> float:
    """µs a call of :data:`READ` on a fresh autocommit connection to ``url``."""
    with psycopg.connect(url, autocommit=True, prepare_threshold=5 if prepare else None) as c:
        for _ in range(20):  # past psycopg's prepare threshold
            c.execute(READ, (1,)).fetchone()
        began = time.perf_counter()
        for _ in range(calls):
            c.execute(READ, (1,)).fetchone()
        return (time.perf_counter() - began) / calls * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (100 <= args.calls <= 100_000 and 1 <= args.rounds <= 20):
        parser.error("--calls must be 100..100000 and --rounds 1..20")
    bindir, executable = find_bindir(), find_pgbouncer()
    if bindir is None or executable is None:
        print("needs PostgreSQL and PgBouncer (Debian's 'postgresql' and 'pgbouncer')", file=sys.stderr)
        return 2
    server = PostgresServer(bindir)
    server.start(durable=True)
    bouncer = PgBouncer(server, executable, pool_size=4)
    try:
        upgrade(make_engine(server.url()))
        bouncer.start()
        ways = {
            "straight, prepared": (server.url(), True),
            "straight, not prepared": (server.url(), False),
            "PgBouncer, not prepared": (bouncer.url("postgres"), False),
        }
        found: dict[str, list[float]] = {name: [] for name in ways}
        print(f"PostgreSQL 15 (fsync on), PgBouncer {executable}, transaction mode; µs a call of: {READ}")
        print("round | " + " | ".join(ways))
        for r in range(args.rounds):
            names = list(ways) if r % 2 == 0 else list(reversed(ways))
            for name in names:
                url, prepare = ways[name]
                found[name].append(
                    per_call(url.replace("postgresql+psycopg://", "postgresql://"), prepare, args.calls)
                )
            print(f"{r + 1:>5} | " + " | ".join(f"{found[name][-1]:6.1f}" for name in ways))
        print("median | " + " | ".join(f"{statistics.median(found[name]):6.1f}" for name in ways))
    finally:
        bouncer.stop()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

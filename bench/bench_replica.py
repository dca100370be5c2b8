"""Step 2 of docs/scaling.md, measured: how far a streaming replica lags under the scan writer's
load, and whether a revocation committed with ``synchronous_commit = remote_apply`` is on the
replica when the command returns. Two PostgreSQL 15 servers this script starts, both with
production durability (fsync, synchronous_commit and full_page_writes on): a primary with the
registry's schema, and a hot standby made from it with ``pg_basebackup`` and streaming.

    .venv/bin/python bench/bench_replica.py [--seconds 10] [--rounds 3] [--trials 200]

Each round runs idle, then under load (a thread inserting the writer's 1,000-row scan
transactions into the primary as fast as it can, committing with ``synchronous_commit =
local``), and prints:

- **lag**: the replica's replay lag, sampled every 50 ms from ``pg_stat_replication`` (bytes of
  WAL not yet replayed, and ``replay_lag``);
- **freshness**: ``trials`` one-row commits on the primary (a stand-in for a revocation),
  alternating ``synchronous_commit = local`` (the replica asynchronous) and ``remote_apply``
  (the replica listed in ``synchronous_standby_names``): the commit's latency, and how often a
  read on the replica right after the commit returned still saw the old value.
"""

from __future__ import annotations

import argparse
import math
import secrets
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scaling import AREAS, DEVICES  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from keys import private_key_from_seed  # noqa: E402
from tests.support.factories import make_world  # noqa: E402
from tests.support.pg import PostgresServer, find_bindir  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import issuance, labels  # noqa: E402

LABELS = 20_000
NAME = "replica1"
COLUMNS = "at, serial, label_id, verdict, channel, area, claimed_area, device, source_hash"


class Standby(PostgresServer):
    """A hot standby of ``primary``, copied with ``pg_basebackup`` and streaming from it."""

    def __init__(self, bindir: Path, primary: PostgresServer) -> None:
        super().__init__(bindir)
        self.primary = primary

    def start(self, *, durable: bool = True) -> None:
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-X", "stream", "-R",
        )  # fmt: skip
        conninfo = f"host=127.0.0.1 port={self.primary.port} user=postgres application_name={NAME}"
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"primary_conninfo = '{conninfo}'\nhot_standby = on\n")
        self._durability = "on"
        self.resume()


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def prepare(primary: PostgresServer) -> list[tuple[int, int]]:
    """Migrate the primary, issue :data:`LABELS` labels and add the probe row; return the labels'
    (id, serial)."""
    engine = make_engine(primary.url())
    upgrade(engine)
    with Session(engine) as s:
        world = make_world(s)
        issuance.record_labels(
            s, actor="bench", lot=world.lot, certification=world.certification,
            key_id=private_key_from_seed(bytes(range(32))).kid,
            serials=labels.new_serials(LABELS), first_number=1,
        )  # fmt: skip
        s.commit()
    engine.dispose()
    with psycopg.connect(plain(primary.url()), autocommit=True) as c:
        c.execute("CREATE TABLE probe (id int PRIMARY KEY, n bigint NOT NULL)")
        c.execute("INSERT INTO probe VALUES (1, 0)")
        return [(int(i), int(s)) for i, s in c.execute("SELECT id, serial FROM labels").fetchall()]


class Load(threading.Thread):
    """Insert 1,000-row scan transactions into the primary until stopped; count the rows."""

    def __init__(self, url: str, ids: list[tuple[int, int]]) -> None:
        super().__init__(daemon=True)
        self.url, self.ids, self.rows = url, ids, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        sql = f"INSERT INTO scans ({COLUMNS}) VALUES ({', '.join(['%s'] * 9)})"
        with psycopg.connect(self.url, autocommit=True) as c:
            # The scan writer's commits must not wait for the replica (synchronous_standby_names
            # makes every commit at the default "on" wait for its flush): see docs/scaling.md.
            c.execute("SET synchronous_commit = local")
            n = 0
            while not self.stopping.is_set():
                now = datetime.now(UTC)
                batch = []
                for _ in range(1_000):
                    label_id, serial = self.ids[n * 7 % len(self.ids)]
                    batch.append(
                        (now - timedelta(microseconds=n % 1000), serial, label_id, "genuine", "web",
                         AREAS[n % 4], None, DEVICES[n % 4], secrets.token_hex(16))
                    )  # fmt: skip
                    n += 1
                with c.transaction(), c.cursor() as cursor:
                    cursor.executemany(sql, batch)
                self.rows += len(batch)


def lag(primary: psycopg.Connection[Any], seconds: float) -> tuple[list[int], list[float]]:
    """Sample the replica's replay lag every 50 ms for ``seconds``: bytes behind and seconds."""
    behind: list[int] = []
    delays: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = primary.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
            "coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication "
            "WHERE application_name = %s",
            (NAME,),
        ).fetchone()
        if row is not None:
            behind.append(int(row[0]))
            delays.append(float(row[1]))
        time.sleep(0.05)
    return behind, delays


def freshness(
    primary: psycopg.Connection[Any], replica: psycopg.Connection[Any], trials: int
) -> dict[str, Any]:
    """Commit ``trials`` probe updates, modes alternating; return per mode the commit latencies
    (ms) and the number of replica reads that saw the old value right after the commit."""
    found: dict[str, Any] = {mode: {"ms": [], "stale": 0} for mode in ("local", "remote_apply")}
    for n in range(trials):
        mode = ("local", "remote_apply")[n % 2]
        began = time.perf_counter()
        with primary.transaction():
            primary.execute(f"SET LOCAL synchronous_commit = {mode}")
            row = primary.execute("UPDATE probe SET n = n + 1 WHERE id = 1 RETURNING n").fetchone()
        found[mode]["ms"].append((time.perf_counter() - began) * 1000)
        assert row is not None
        seen = replica.execute("SELECT n FROM probe WHERE id = 1").fetchone()
        if seen is None or seen[0] < row[0]:
            found[mode]["stale"] += 1
    return found


def p99(values: list[float]) -> float:
    """The nearest-rank 99th percentile (the largest value below 100 samples)."""
    return sorted(values)[math.ceil(len(values) * 0.99) - 1]


def report(label: str, behind: list[int], delays: list[float], fresh: dict[str, Any]) -> None:
    if not behind:
        print(f"  {label}: the replica was not streaming (no row in pg_stat_replication)")
        return
    print(
        f"  {label}: replay lag median {statistics.median(behind) / 1024:,.0f} KiB, max "
        f"{max(behind) / 1024:,.0f} KiB; replay_lag median {statistics.median(delays) * 1000:.1f} ms, max "
        f"{max(delays) * 1000:.1f} ms ({len(behind)} samples)"
    )
    for mode in ("local", "remote_apply"):
        ms = fresh[mode]["ms"]
        print(
            f"    commit with synchronous_commit={mode}: median {statistics.median(ms):.2f} ms, p99 "
            f"{p99(ms):.2f} ms; replica read right after it stale {fresh[mode]['stale']} of {len(ms)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    if not 1 <= args.seconds <= 600 or not 1 <= args.rounds <= 20 or not 2 <= args.trials <= 100_000:
        parser.error("--seconds 1..600, --rounds 1..20, --trials 2..100000")
    bindir = find_bindir()
    if bindir is None:
        print("needs PostgreSQL (Debian's 'postgresql' package)", file=sys.stderr)
        return 2
    primary = PostgresServer(bindir)
    primary.start(durable=True)
    standby = Standby(bindir, primary)
    try:
        ids = prepare(primary)
        standby.start()
        with (
            psycopg.connect(plain(primary.url()), autocommit=True) as p,
            psycopg.connect(plain(standby.url()), autocommit=True) as r,
        ):
            p.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{NAME}'")
            p.execute("SELECT pg_reload_conf()")
            time.sleep(1)
            print(f"PostgreSQL 15 primary and hot standby on one machine (fsync on), {LABELS:,} labels")
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}")
                behind, delays = lag(p, args.seconds)
                report("idle", behind, delays, freshness(p, r, args.trials))
                load = Load(plain(primary.url()), ids)
                load.start()
                time.sleep(1)
                began, rows = time.monotonic(), load.rows
                behind, delays = lag(p, args.seconds)
                fresh = freshness(p, r, args.trials)
                rate = (load.rows - rows) / (time.monotonic() - began)
                load.stopping.set()
                load.join()
                report(f"under load ({rate:,.0f} scan rows/s)", behind, delays, fresh)
    finally:
        standby.stop()
        primary.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

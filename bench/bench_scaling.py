"""Figures for docs/scaling.md: storage per label and per scan row on SQLite and PostgreSQL,
scan-row write rate, and the verify routes under gunicorn on one PostgreSQL server started with
production durability (fsync, synchronous_commit and full_page_writes on), with the CPU time
each request costs the app and the database server.

    .venv/bin/python bench/bench_scaling.py [--labels 20000] [--scans 100000] [--seconds 10] [--rounds 3]

Throughput: the routes take turns (/ping, JSON verify, scan page) each round, over one label
and over 1,000 labels; every round is printed, then the median. The metrics route is read at
the end, so its figures can be compared with wrk's.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_verify import ROTATE_LUA, THREADS, Walk, wrk  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from verify_setup import BASE_URL, free_port, prepare  # noqa: E402

from tests.support.factories import make_world  # noqa: E402
from tests.support.pg import PostgresServer, find_bindir  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import issuance, labels, scans  # noqa: E402

DEVICES = ("Android", "iPhone", "Windows", None)
AREAS = ("Hà Nội", "Quảng Ninh", "Thành phố Hồ Chí Minh", None)


class DurablePostgres(PostgresServer):
    """The test suite's throwaway server, but with production durability."""

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c synchronous_commit=on -c full_page_writes=on -c max_connections=200 -c shared_buffers=256MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")


def size_of(engine: Engine) -> dict[str, int]:
    """Bytes used: the whole database, and the labels and scans tables with their indexes."""
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            page = c.exec_driver_sql("PRAGMA page_size").scalar_one()
            pages = c.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = c.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            found = {"database": (pages - free) * page}
            try:
                rows = c.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master").all()
                owner = {name: table for name, table in rows}
                for name, size in c.exec_driver_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
                    table = owner.get(name, name)
                    if table in ("labels", "scans"):
                        found[table] = found.get(table, 0) + int(size)
            except sqlite3.OperationalError:
                pass
            return found
        c.execute(text("CHECKPOINT"))
        return {
            "database": c.execute(text("SELECT pg_database_size(current_database())")).scalar_one(),
            "labels": c.execute(text("SELECT pg_total_relation_size('labels')")).scalar_one(),
            "scans": c.execute(text("SELECT pg_total_relation_size('scans')")).scalar_one(),
            "scans indexes": c.execute(text("SELECT pg_indexes_size('scans')")).scalar_one(),
            "labels indexes": c.execute(text("SELECT pg_indexes_size('labels')")).scalar_one(),
        }


def storage(name: str, url: str, label_count: int, scan_count: int) -> None:
    """Insert labels, then scans of them, and print bytes per row and the write rate."""
    engine = make_engine(url)
    upgrade(engine)
    from keys import private_key_from_seed

    key = private_key_from_seed(bytes(range(32)))
    with Session(engine) as s:
        world = make_world(s)
        s.commit()
        start = size_of(engine)
        began = time.perf_counter()
        made = 0
        while made < label_count:
            step = min(5000, label_count - made)
            issuance.record_labels(
                s,
                actor="bench",
                lot=world.lot,
                certification=world.certification,
                key_id=key.kid,
                serials=labels.new_serials(step),
                first_number=made + 1,
            )
            s.commit()
            made += step
        label_seconds = time.perf_counter() - began
        after_labels = size_of(engine)
        ids = [(row[0], row[1]) for row in s.execute(text("SELECT id, serial FROM labels"))]
    now = datetime.now(UTC)
    began = time.perf_counter()
    written = 0
    batches = 0
    while written < scan_count:
        rows = []
        for i in range(min(1000, scan_count - written)):
            label_id, serial = ids[(written + i) * 7 % len(ids)]
            n = written + i
            rows.append(
                scans.scan_row(
                    serial=serial,
                    label_id=label_id,
                    verdict="genuine",
                    channel=("web", "api")[n % 2],
                    area=AREAS[n % 4],
                    device=DEVICES[n % 4],
                    source_hash=secrets.token_hex(16),
                    at=now - timedelta(seconds=scan_count - n),
                )
            )
        with Session(engine) as s, s.begin():
            scans.record_scans(s, rows)
        written += len(rows)
        batches += 1
    scan_seconds = time.perf_counter() - began
    end = size_of(engine)
    engine.dispose()
    per_label = (after_labels["database"] - start["database"]) / label_count
    per_scan = (end["database"] - after_labels["database"]) / scan_count
    print(f"{name}: {label_count} labels, then {scan_count} scans in batches of 1,000 over {len(ids)} labels")
    print(f"  database growth per label: {per_label:.0f} bytes; per scan row: {per_scan:.0f} bytes")
    if "scans" in end:
        print(f"  scans table with indexes per scan row: {end['scans'] / scan_count:.0f} bytes")
        if "scans indexes" in end:
            print(
                f"  of which indexes: scans {end['scans indexes'] / scan_count:.0f} bytes a row; "
                f"labels {end['labels indexes'] / label_count:.0f} bytes a label"
            )
        print(
            f"  labels table with indexes per label: {after_labels.get('labels', 0) / label_count:.0f} bytes "
            f"after issuing, {end.get('labels', 0) / label_count:.0f} bytes after the scans "
            "(each scan batch rewrites its labels' counters and summary)"
        )
    print(
        f"  write rate: {label_count / label_seconds:,.0f} labels/s (batches of 5,000), "
        f"{scan_count / scan_seconds:,.0f} scan rows/s ({batches} transactions, "
        f"{scan_seconds / batches * 1000:.1f} ms each)"
    )


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their children now alive."""
    total = 0.0
    for pid in pids:
        try:
            parent = psutil.Process(pid)
            for p in [parent, *parent.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def throughput(server: PostgresServer, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    admin = make_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("CREATE DATABASE verify"))
    admin.dispose()
    token = secrets.token_urlsafe(32)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=server.url("verify"),
        OCOP_SECRET_KEY=secrets.token_urlsafe(48),
        OCOP_KEY_PASSPHRASE=secrets.token_urlsafe(24),
        OCOP_KEYS_DIR=str(folder / "keys"),
        OCOP_BASE_URL=BASE_URL,
        OCOP_INSTANCE=str(folder),
        OCOP_METRICS_TOKEN=token,
    )
    env.pop("OCOP_KEY_PASSPHRASE_FILE", None)
    codes = [qr.split("/V/")[1] for qr in prepare(folder, env, 1000).codes]
    for name, prefix in (("json", "/api/v1/verify/"), ("page", "/V/")):
        (folder / f"{name}.txt").write_text("".join(f"{prefix}{code}\n" for code in codes))
        (folder / f"{name}.lua").write_text(ROTATE_LUA)
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        workers = len(psutil.Process(process.pid).children())
        cases = {
            "trivial /ping": ("/ping", None),
            "JSON, 1 label": (f"/api/v1/verify/{codes[0]}", None),
            "page, 1 label": (f"/V/{codes[0]}", None),
            "JSON, 1,000": ("/", folder / "json.txt"),
            "page, 1,000": ("/", folder / "page.txt"),
        }
        walks = {
            name: Walk(listed, THREADS, len(codes)) if listed else Walk(None, THREADS)
            for name, (_path, listed) in cases.items()
        }
        for name, (path, _listed) in cases.items():  # warm-up
            wrk([base], path, 2, args.connections, walks[name])
        rounds: list[dict[str, dict[str, float]]] = []
        for _ in range(args.rounds):
            measured: dict[str, dict[str, float]] = {}
            for name, (path, _listed) in cases.items():
                app_before, db_before = cpu_seconds([process.pid]), cpu_seconds([postmaster])
                r = wrk([base], path, args.seconds, args.connections, walks[name])
                r["app_ms"] = (cpu_seconds([process.pid]) - app_before) / r["requests"] * 1000
                r["db_ms"] = (cpu_seconds([postmaster]) - db_before) / r["requests"] * 1000
                measured[name] = r
            rounds.append(measured)
        engine = make_engine(server.url("verify"))
        with engine.connect() as c:
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'verify' AND pid <> pg_backend_pid()"
            )
            connections = c.execute(text(query)).scalar_one()
        engine.dispose()
        request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {token}"})
        metrics = urllib.request.urlopen(request, timeout=5).read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(
        f"gunicorn {workers} sync workers on PostgreSQL 15 (fsync on), wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s per route and round, {os.cpu_count()} CPUs shared by app, database and wrk"
    )
    header = (
        f"{'route':<15}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}{'app CPU ms':>12}{'db CPU ms':>11}"
    )
    for number, measured in enumerate([*rounds, None], 1):
        if measured is None:
            print(f"median of {args.rounds} rounds")
            measured = {
                name: {
                    k: statistics.median(r[name][k] for r in rounds)
                    for k in ("rps", "p50", "p99", "app_ms", "db_ms")
                }
                for name in cases
            }
        else:
            print(f"round {number}")
        print(header)
        for name, r in measured.items():
            ratio = r["rps"] / measured["trivial /ping"]["rps"]
            print(
                f"{name:<15}{r['rps']:>8.0f}{r['p50']:>8.2f}{r['p99']:>8.2f}{ratio:>7.2f}"
                f"{r['app_ms']:>12.2f}{r['db_ms']:>11.3f}"
            )
    print(f"database connections held by the {workers} workers after the run: {connections}")
    print("from /metrics at the end:")
    for line in metrics.splitlines():
        if line.startswith(
            ("ocop_verifications_total", "ocop_scans_written_total", "ocop_database_errors_total")
        ):
            print("  " + line)
    shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    for name, top in {"labels": 1_000_000, "scans": 10_000_000, "seconds": 3600, "rounds": 100}.items():
        if not 1 <= getattr(args, name) <= top:
            print(f"Error: --{name} must be from 1 to {top}", file=sys.stderr)
            return 2
    bindir = find_bindir()
    if bindir is None or not shutil.which("wrk"):
        print("Error: needs Debian's postgresql and wrk packages", file=sys.stderr)
        return 2
    server = DurablePostgres(bindir)
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-storage-") as folder:
            storage("SQLite (WAL)", f"sqlite:///{folder}/ocop.db", args.labels, args.scans)
        admin = make_engine(server.url())
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("CREATE DATABASE storage"))
        admin.dispose()
        storage("PostgreSQL 15 (fsync on)", server.url("storage"), args.labels, args.scans)
        if not args.skip_throughput:
            throughput(server, args)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the scan writer's statements cost a scan: ``record_scans`` (lock the batch's labels,
insert the scans, store the labels' counts and summaries) against a baseline in the same run,
SQLAlchemy's own ``Connection.execute(insert(Scan), rows)`` of the same number of rows (the
insert alone, nothing locked or updated).

    .venv/bin/python bench/bench_writer_rows.py [--db postgresql|sqlite] [--batch 160] [--batches 25] \\
        [--rounds 5]

Each batch is written and committed as the writer does, in batches of ``--batch`` rows (the
writer's batch under load). Cases: **first** scans (every row a label scanned for the first
time, real traffic), **repeat** (every row the same label, today's hot default). Figures per
scan row: the client thread's CPU (``thread_time``), the PostgreSQL backend's CPU (from
``/proc``; 0 on SQLite, which runs in the client thread) and the wall time; the median round
and every round. Run it in two trees in turns to compare them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from verify_setup import database, instance_env, prepare  # noqa: E402

from traceability import make_engine  # noqa: E402
from traceability.models import Label, Scan  # noqa: E402
from traceability.services.scans import record_scans, scan_row  # noqa: E402


def backend_cpu(pid: int | None) -> float:
    """The CPU seconds of PostgreSQL backend ``pid`` (0 without one)."""
    if pid is None:
        return 0.0
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    session: Session, pid: int | None, batches: list[list[dict[str, Any]]], write: Callable[..., None]
) -> tuple[float, float, float]:
    """Write and commit every batch; return µs a row: client CPU, backend CPU, wall."""
    rows = sum(len(batch) for batch in batches)
    client, server, wall = time.thread_time(), backend_cpu(pid), time.perf_counter()
    for batch in batches:
        write(session, batch)
        session.commit()
    return (
        (time.thread_time() - client) / rows * 1e6,
        (backend_cpu(pid) - server) / rows * 1e6,
        (time.perf_counter() - wall) / rows * 1e6,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--batch", type=int, default=160)
    parser.add_argument("--batches", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (1 <= args.batch <= 1000 and 1 <= args.batches <= 200 and 1 <= args.rounds <= 20):
        print("Error: --batch must be 1-1000, --batches 1-200, --rounds 1-20", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-writer-rows-"))
    per_round = args.batch * args.batches
    with database(args.db, folder) as (url, _log):
        env = instance_env(folder, url)
        prepare(folder, env, max(1000, 2 * per_round * args.rounds + 1))
        engine = make_engine(url)
        with Session(engine) as session:
            labels = session.execute(select(Label.id, Label.serial).order_by(Label.id)).all()
        fresh = iter(labels[1:])

        def rows(chosen: list[Any]) -> list[dict[str, Any]]:
            return [
                scan_row(
                    serial=serial,
                    label_id=label_id,
                    verdict="genuine",
                    channel="web",
                    area="Thành phố Hà Nội",
                    device="Android",
                    source_hash=secrets.token_hex(16),
                )
                for label_id, serial in chosen
            ]

        def plain_insert(session: Session, batch: list[dict[str, Any]]) -> None:
            session.connection().execute(insert(Scan), batch)

        cases: dict[str, tuple[Callable[[], list[Any]], Callable[..., None]]] = {
            "baseline insert": (lambda: [next(fresh) for _ in range(args.batch)], plain_insert),
            "first scans": (lambda: [next(fresh) for _ in range(args.batch)], record_scans),
            "repeat scans": (lambda: [labels[0]] * args.batch, record_scans),
        }
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        with Session(engine) as session:
            pid = session.scalar(text("SELECT pg_backend_pid()")) if args.db == "postgresql" else None
            session.commit()
            for _round in range(args.rounds):
                for name, (chosen, write) in cases.items():
                    batches = [rows(chosen()) for _ in range(args.batches)]
                    figures[name].append(measure(session, pid, batches, write))
        engine.dispose()
    print(f"{args.db}, {ROOT}: µs a scan row, batches of {args.batch}: client CPU / backend CPU / wall")
    print(f"{'case':<17}{'client':>8}{'backend':>9}{'wall':>8}{'cpu ratio':>11}   every round")
    base = statistics.median(c + s for c, s, _w in figures["baseline insert"])
    for name, values in figures.items():
        client, server, wall = (statistics.median(v[k] for v in values) for k in range(3))
        ratio = statistics.median(c + s for c, s, _w in values) / base
        rounds = "  ".join(f"{c:.0f}/{s:.0f}/{w:.0f}" for c, s, w in values)
        print(f"{name:<17}{client:>8.1f}{server:>9.1f}{wall:>8.1f}{ratio:>11.2f}   {rounds}")
    print("cpu ratio: client + backend CPU a row over the baseline insert's")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load the public verifier under gunicorn with wrk: JSON verify, the HTML scan page and a
trivial route of the same app, in one run, with scan recording on.

    .venv/bin/python bench/bench_verify.py [--seconds 10] [--rounds 3] [--connections 32]
        [--workers N] [--labels N] [--db sqlite|postgresql] [--hosts 1|2] [--access-log]

Prints requests/s and p50/p99 latency for each route, the ratios to the trivial route, and
checks that every scan served was recorded (the workers' count of 200s against the scans
table). It also prints the CPU each request cost, in ms: the CPU time of every process this
run can see (the gunicorn masters and workers with their writer threads, the PostgreSQL
server; ``/proc``; and wrk, a reaped child) over the route's wrk run, divided by its
requests. Another tenant of a shared machine slows the throughput down but does not move
that figure much, so "cpu ratio" (the trivial route's CPU per request over the route's) is
the steadier one to compare trees with. Under each table, that CPU split by thread: the
gunicorn processes' main threads (the workers' requests), their other threads (the scan
writers), the PostgreSQL server, wrk, and anything else; and how much of the requests' share
was spent in the kernel (system time: sockets, scheduling, futexes).

The routes take turns (trivial, JSON, page; then again) for ``--rounds`` rounds, and the
summary is the median round of each figure, so that a machine that speeds up or slows down
during the run moves the baseline with the routes measured against it. Each round's figures
are printed too.

``--labels N`` issues N labels (straight through the labels service, no PDF) and spreads the
verify requests over them: the JSON route walks one half, the page the other, each wrk thread
its own part, and every run carries on where the last one stopped, so with N = 100,000 nearly
every request is a label no worker has seen (real traffic). ``--db postgresql`` starts its own
PostgreSQL server with production durability (fsync and synchronous commit on). ``--hosts 2``
starts two gunicorn masters on different ports sharing the database, and splits the
connections between them. In the middle round an ``ocop revoke`` of 200 labels runs under the
JSON load; it must succeed, and the next requests to every host must answer ``revoked``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402
from verify_setup import BASE_URL, PHONE_HEADERS, Hosts, Issued, database, prepare  # noqa: E402

from traceability import make_engine  # noqa: E402
from traceability.services import scans  # noqa: E402

# For --labels N: each wrk thread walks its own share of the path list, from the run's start.
ROTATE_LUA = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  local share = math.floor(#paths / tonumber(args[3]))
  i = tonumber(args[2]) + (tonumber(args[4]) + (id or 0)) * share
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""
THREADS = 2  # wrk threads per host


class Walk:
    """Where each route's next run starts in its path list (``None``: one fixed path)."""

    def __init__(self, paths: Path | None, slots: int, size: int = 1) -> None:
        self.paths, self.slots, self.size = paths, slots, size
        self.start = self.requests = 0

    def advance(self, requests: int) -> None:
        self.requests += requests
        self.start += -(-requests // self.slots)


def wrk_command(url: str, seconds: int, connections: int, walk: Walk, host: int) -> list[str]:
    rotate = []
    if walk.paths is not None:
        rotate = ["-s", str(walk.paths.with_suffix(".lua")), url, "--", str(walk.paths)]
        rotate += [str(walk.start), str(walk.slots), str(host * THREADS)]
    return [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        *(argument for name, value in PHONE_HEADERS.items() for argument in ("-H", f"{name}: {value}")),
        *(rotate or [url]),
    ]


def parse_wrk(out: str) -> dict[str, Any]:
    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    assert rps and total, out
    return {
        "rps": float(rps.group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "requests": int(total.group(1)),
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "none",
    }


# Where a route's CPU went, by thread: a gunicorn process's main thread (the worker's request
# thread, or the master), its other threads (the scan writer), the PostgreSQL server, wrk.
# wrk has exited when the run is read, so its CPU is this process's reaped children's (with
# the middle round's JSON run, also ocop revoke's).
PARTS = ("requests", "writer", "postgres", "wrk", "other")
SYSTEM = "of which requests in the kernel"  # the request threads' system time, inside "requests"


def busy_seconds() -> dict[str, float]:
    """The CPU time (user and system) of every thread this run can see but its own, by
    :data:`PARTS`."""
    ticks, me = dict.fromkeys((*PARTS, SYSTEM), 0), os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            gunicorn = b"gunicorn" in Path(entry.path, "cmdline").read_bytes()
            tasks = list(os.scandir(Path(entry.path, "task")))
            stats = [(task.name, Path(task.path, "stat").read_text()) for task in tasks]
        except OSError:  # ended meanwhile
            continue
        for tid, stat in stats:
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            part = (
                ("requests" if tid == entry.name else "writer")
                if gunicorn
                else "postgres"
                if name == "postgres"
                else "other"
            )
            ticks[part] += int(fields[11]) + int(fields[12])
            if part == "requests":
                ticks[SYSTEM] += int(fields[12])
    spent = {part: count / os.sysconf("SC_CLK_TCK") for part, count in ticks.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent["wrk"] = children.ru_utime + children.ru_stime
    return spent


def wrk(bases: list[str], path: str, seconds: int, connections: int, walk: Walk) -> dict[str, Any]:
    """Run one wrk per host at once, the connections split between them; the result sums
    the throughput, takes the worst host's p50 and p99, and adds the CPU per request."""
    share = max(1, connections // len(bases))
    busy = busy_seconds()
    running = [
        subprocess.Popen(
            wrk_command(base + path, seconds, share, walk, host), stdout=subprocess.PIPE, text=True
        )
        for host, base in enumerate(bases)
    ]
    outs = [p.communicate()[0] for p in running]
    assert all(p.returncode == 0 for p in running), outs
    after = busy_seconds()
    parts = [parse_wrk(out) for out in outs]
    served = max(1, sum(p["requests"] for p in parts))
    spent = {part: (after[part] - busy[part]) * 1000 / served for part in (*PARTS, SYSTEM)}
    walk.advance(sum(p["requests"] for p in parts))
    errors = sorted({p["socket_errors"] for p in parts})
    return {
        "rps": sum(p["rps"] for p in parts),
        "p50": max(p["p50"] for p in parts),
        "p99": max(p["p99"] for p in parts),
        "requests": sum(p["requests"] for p in parts),
        "cpu_ms": sum(spent[part] for part in PARTS),
        "cpu_parts": spent,
        "non2xx": sum(p["non2xx"] for p in parts),
        "socket_errors": ", ".join(errors),
    }


def show(results: dict[str, dict[str, Any]]) -> None:
    """Print one table row per route, with its throughput as a ratio to the trivial route's."""
    trivial = results["trivial /ping"]
    for name, r in results.items():
        ratio = r.get("ratio", r["rps"] / trivial["rps"])
        cpu_ratio = r.get("cpu_ratio", trivial["cpu_ms"] / r["cpu_ms"])
        print(
            f"{name:<15}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{ratio:>8.2f}"
            f"{r['cpu_ms']:>8.3f}{cpu_ratio:>10.2f}  {r['non2xx']:>7}  {r['socket_errors']}"
        )
    for name, r in results.items():
        print(f"  cpu ms of {name}: " + ", ".join(f"{part} {ms:.3f}" for part, ms in r["cpu_parts"].items()))


def status(base: str, digits: str) -> tuple[str, str]:
    """The JSON verdict's status and whether the scan page shows the same one."""
    with urllib.request.urlopen(f"{base}/api/v1/verify/{digits}", timeout=5) as answer:
        found = re.search(rb'"status":"(\w+)"', answer.read())
    with urllib.request.urlopen(f"{base}/V/{digits}", timeout=5) as answer:
        page = re.search(rb'data-status="(\w+)"', answer.read())
    assert found and page
    return found.group(1).decode(), page.group(1).decode()


def revoke_under_load(
    env: dict[str, str], bases: list[str], lot_id: int, numbers: tuple[int, int], digits: str, wait: float
) -> dict[str, Any]:
    """After ``wait`` seconds, revoke labels ``numbers`` of the lot with the real ``ocop
    revoke`` and ask every host about one of them right after the command returns (several
    times: a host's next request may go to any of its workers)."""
    time.sleep(wait)
    before = [[status(base, digits) for _ in range(3)] for base in bases]
    started = time.monotonic()
    done = subprocess.run(
        [
            # The ocop command (entry point verify_web.command:main) of the tree being measured.
            sys.executable,
            "-m",
            "verify_web.cli",
            "revoke",
            "--range",
            f"{lot_id}:{numbers[0]}-{numbers[1]}",
            "--reason",
            "damaged_or_lost",
            "--yes",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    took = time.monotonic() - started
    after = [[status(base, digits) for _ in range(5)] for base in bases]
    return {
        "ok": done.returncode == 0 and all(s == ("revoked", "revoked") for host in after for s in host),
        "exit": done.returncode,
        "before": before,
        "after": after,
        "seconds": took,
        "output": (done.stdout + done.stderr).strip(),
    }


def arguments() -> argparse.Namespace | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None, help="per host; default: gunicorn.conf.py's")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--labels", type=int, default=1, help="spread the verify requests over this many")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--hosts", type=int, default=1, help="gunicorn masters sharing the database")
    parser.add_argument(
        "--access-log", action="store_true", help="also write gunicorn's access log (off in gunicorn.conf.py)"
    )
    args = parser.parse_args()
    limits = {
        "seconds": 3600,
        "connections": 10_000,
        "rounds": 100,
        "labels": 1_000_000,
        "workers": 64,
        "hosts": 4,
    }
    for name, top in limits.items():
        value = getattr(args, name)
        if value is not None and not 1 <= value <= top:
            print(f"Error: --{name} must be from 1 to {top}", file=sys.stderr)
            return None
    if args.connections < args.hosts:
        print("Error: --connections must be at least --hosts", file=sys.stderr)
        return None
    if not shutil.which("wrk"):
        print("Error: wrk is not installed (Debian package 'wrk')", file=sys.stderr)
        return None
    return args


def goals(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """The issue's goals for this mode: hot (one label) or real traffic (many)."""
    hot = args.labels == 1
    json_goal, page_goal = (0.65, 0.6) if hot else (0.5, 0.45)
    p99_goal = 20 if hot else 30 if args.connections <= 32 else 60
    return {
        f"json>={json_goal}x": results["JSON verify"]["ratio"] >= json_goal,
        f"page>={page_goal}x": results["scan page"]["ratio"] >= page_goal,
        f"p99<{p99_goal}ms": all(r["p99"] < p99_goal for r in results.values()),
    }


def walks_for(args: argparse.Namespace, folder: Path, codes: list[str]) -> dict[str, Walk]:
    """Each route's walk: with ``--labels`` N > 1 the JSON route takes the first half of the
    labels and the page the second, so neither meets a label the other has judged."""
    slots = THREADS * args.hosts
    walks = {name: Walk(None, slots) for name in ROUTES}
    if args.labels > 1:
        half = len(codes) // 2
        for name, prefix, part in (
            ("JSON verify", "/api/v1/verify/", codes[:half]),
            ("scan page", "/V/", codes[half:]),
        ):
            listed = folder / f"{name.split()[0].lower()}-paths.txt"
            listed.write_text("".join(f"{prefix}{code}\n" for code in part))
            listed.with_suffix(".lua").write_text(ROTATE_LUA)
            walks[name] = Walk(listed, slots, len(part))
    return walks


ROUTES = ("trivial /ping", "JSON verify", "scan page")


def measure(
    args: argparse.Namespace, env: dict[str, str], hosts: Hosts, issued: Issued, walks: dict[str, Walk]
) -> tuple[list[dict[str, dict[str, Any]]], dict[str, Any]]:
    """Warm up, then run the rounds; the middle round's JSON run has the revocation under it.
    Returns every round's figures and what the revocation found."""
    digits = issued.codes[0].split("/V/")[1]
    paths = dict(zip(ROUTES, ("/ping", f"/api/v1/verify/{digits}", f"/V/{digits}"), strict=True))
    numbers = (max(1, args.labels - 199), args.labels)
    checked = issued.codes[-1].split("/V/")[1]  # label number args.labels: inside the range
    for name, path in paths.items():
        wrk(hosts.bases, path, 2, args.connections, walks[name])  # warm-up, also recorded
    rounds: list[dict[str, dict[str, Any]]] = []
    revocation: dict[str, Any] = {"numbers": numbers}
    for number in range(1, args.rounds + 1):
        measured = {}
        for name, path in paths.items():
            if name == "JSON verify" and number == (args.rounds + 1) // 2:
                # Under load: wrk starts first, the command a third of the way in.
                with ThreadPoolExecutor(1) as pool:
                    later = pool.submit(
                        revoke_under_load, env, hosts.bases, issued.lot_id, numbers, checked, args.seconds / 3
                    )
                    measured[name] = wrk(hosts.bases, path, args.seconds, args.connections, walks[name])
                revocation.update(later.result())
            else:
                measured[name] = wrk(hosts.bases, path, args.seconds, args.connections, walks[name])
        rounds.append(measured)
    time.sleep(0.5)
    return rounds, revocation


def median_round(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "rps": statistics.median(r[name]["rps"] for r in rounds),
            "p50": statistics.median(r[name]["p50"] for r in rounds),
            "p99": statistics.median(r[name]["p99"] for r in rounds),
            "non2xx": sum(r[name]["non2xx"] for r in rounds),
            "socket_errors": ", ".join(sorted({str(r[name]["socket_errors"]) for r in rounds})),
            "ratio": statistics.median(r[name]["rps"] / r["trivial /ping"]["rps"] for r in rounds),
            "cpu_ms": statistics.median(r[name]["cpu_ms"] for r in rounds),
            "cpu_ratio": statistics.median(r["trivial /ping"]["cpu_ms"] / r[name]["cpu_ms"] for r in rounds),
            "cpu_parts": {
                part: statistics.median(r[name]["cpu_parts"][part] for r in rounds)
                for part in (*PARTS, SYSTEM)
            },
        }
        for name in ROUTES
    }


def verdicts(hosts: list[list[tuple[str, str]]]) -> str:
    """Per host, how often each (JSON, page) verdict pair was answered."""
    return "; ".join(
        f"host {n}: "
        + ", ".join(f"{json}/{page} x{times}" for (json, page), times in Counter(answers).items())
        for n, answers in enumerate(hosts, 1)
    )


def report(args: argparse.Namespace, run: dict[str, Any]) -> None:
    """Print every round, the median round, the checks and the goals."""
    rounds, walks, revocation = run["rounds"], run["walks"], run["revocation"]
    database = "SQLite (WAL)" if args.db == "sqlite" else "PostgreSQL (fsync on, synchronous_commit on)"
    print(
        f"{args.hosts} host(s) x {run['workers']} gunicorn sync workers, access log "
        f"{'on' if args.access_log else 'off'}, {database}, wrk -t{THREADS} "
        f"-c{args.connections // args.hosts} -d{args.seconds}s per host, route and round, "
        f"{os.cpu_count()} CPUs, load average {run['load'][0]:.1f} before and {run['load'][1]:.1f} "
        f"after, verify requests over {args.labels} label(s)"
    )
    header = (
        f"{'route':<15}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'cpu ms':>8}{'cpu ratio':>10}"
        "  non-2xx  socket errors"
    )
    for number, measured in enumerate(rounds, 1):
        print(f"round {number}")
        print(header)
        show(measured)
    results = median_round(rounds)
    print(f"median of {args.rounds} rounds")
    print(header)
    show(results)
    for name in ("JSON verify", "scan page"):
        walk = walks[name]
        if walk.paths is not None:
            fresh = min(walk.requests, walk.size) / max(1, walk.requests)
            print(
                f"{name}: {walk.requests} requests over {walk.size} labels: "
                f"at least {fresh:.0%} on a label no worker had seen"
            )
    served, recorded, logged = run["served"], run["recorded"], run["logged"]
    print(
        f"scans served (200s counted by the workers): {served}; scans recorded (table): {recorded}; "
        f"{'equal' if served == recorded else 'MISMATCH'}"
        + (f"; access log: {logged} 200s" if logged is not None else "")
        + f"; shutdown took {run['shutdown']:.1f} s"
    )
    if run["deadlocks"] is not None:
        print(f"'deadlock detected' in the PostgreSQL log: {run['deadlocks']}")
    first, last = revocation["numbers"]
    print(
        f"ocop revoke --range (labels {first}-{last}) under load: exit {revocation.get('exit')}, "
        f"{revocation.get('seconds', 0):.2f} s, {revocation.get('output', '')!r}; JSON and page verdicts "
        f"per host before: {verdicts(revocation.get('before', []))}; "
        f"right after: {verdicts(revocation.get('after', []))}"
    )
    met = {
        **goals(args, results),
        "recorded==served": served == recorded and logged in (None, served),
        "revocation shown on every host": bool(revocation.get("ok")),
        **({"0 deadlocks": run["deadlocks"] == 0} if run["deadlocks"] is not None else {}),
    }
    print("goals:", ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in met.items()))


def main() -> int:
    args = arguments()
    if args is None:
        return 2
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    with database(args.db, folder) as (url, server_log):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=url,
            OCOP_SECRET_KEY=secrets.token_urlsafe(48),
            OCOP_KEY_PASSPHRASE=secrets.token_urlsafe(24),
            OCOP_KEYS_DIR=str(folder / "keys"),
            OCOP_BASE_URL=BASE_URL,
            OCOP_INSTANCE=str(folder),
        )
        env.pop("OCOP_KEY_PASSPHRASE_FILE", None)
        started = time.monotonic()
        issued = prepare(folder, env, args.labels)
        print(f"issued {args.labels} label(s) in {time.monotonic() - started:.1f} s")
        walks = walks_for(args, folder, [qr.split("/V/")[1] for qr in issued.codes])
        with Hosts(args, env, folder) as hosts:
            rounds, revocation = measure(args, env, hosts, issued, walks)
        engine = make_engine(url)
        with Session(engine) as s:
            recorded = scans.count_scans(s)
        engine.dispose()
        deadlocks = server_log.read_text().count("deadlock detected") if server_log else None
    report(
        args,
        {
            "rounds": rounds,
            "walks": walks,
            "revocation": revocation,
            "workers": hosts.workers,
            "load": (load_before, os.getloadavg()[0]),
            "served": sum(int(p.read_text()) for p in folder.glob("served-*")),
            "recorded": recorded,
            "logged": hosts.logged_200s,
            "shutdown": hosts.shutdown_seconds,
            "deadlocks": deadlocks,
        },
    )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

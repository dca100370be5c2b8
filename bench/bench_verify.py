"""Load the public verifier under gunicorn with wrk: JSON verify, the HTML scan page and a
trivial route of the same app, in one run, with scan recording on.

    .venv/bin/python bench/bench_verify.py [--seconds 10] [--rounds 3] [--connections 32] [--workers N]

Prints requests/s and p50/p99 latency for each route, the ratios to the trivial route, and
checks that every scan served was recorded (gunicorn's access log against the scans table).

The routes take turns (trivial, JSON, page; then again) for ``--rounds`` rounds, and the
summary is the median round of each figure, so that a machine that speeds up or slows down
during the run moves the baseline with the routes measured against it. Each round's figures
are printed too.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from labels import LabelPayload, LabelSerializer  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import certifications, labels, lots, producers, scans  # noqa: E402
from verify_web import create_app  # noqa: E402

BASE_URL = "https://xacthuc.ocop.vn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(folder: Path, env: dict[str, str], spread: int = 1) -> list[str]:
    """Migrate a SQLite registry, make a key and 1,000 labels (more if ``spread`` asks); return
    the QR texts of the first ``spread`` labels."""
    upgrade(make_engine(env["DATABASE_URL"]))
    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "SECRET_KEY": env["OCOP_SECRET_KEY"],
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_KEYS_DIR": env["OCOP_KEYS_DIR"],
            "OCOP_INSTANCE": str(folder),
        }
    )
    store = app.extensions["ocop.keystore"]
    store.generate(env["OCOP_KEY_PASSPHRASE"].encode())
    key = store.signer(env["OCOP_KEY_PASSPHRASE"].encode())
    with Session(app.extensions["ocop.engine"]) as s:
        producer = producers.create_producer(
            s,
            actor="bench",
            legal_name="HTX Dịch vụ tổng hợp Đông Cao",
            kind="cooperative",
            commune="xã Tráng Việt",
            district="huyện Mê Linh",
            province="Hà Nội",
        )
        product = producers.create_product(
            s, actor="bench", producer_id=producer.id, name="Củ cải trắng", group="food"
        )
        issued = date.today() - timedelta(days=200)
        cert = certifications.certify(
            s, actor="bench", product_id=product.id, stars=4, number="QĐ 1/QĐ-UBND", issued_on=issued
        )
        lot = lots.create_lot(
            s,
            actor="bench",
            product_id=product.id,
            code="BENCH-1",
            produced_on=issued + timedelta(days=1),
            best_before=issued + timedelta(days=900),
        )
        for kind in ("harvested", "processed", "packed"):
            lots.add_event(
                s,
                actor="bench",
                lot_id=lot.id,
                kind=kind,
                occurred_at=datetime.now(UTC) - timedelta(days=5),
                place="xã Tráng Việt",
            )
        serials = labels.new_serials(max(1000, spread))
        labels.record_labels(
            s, actor="bench", lot=lot, certification=cert, key_id=key.kid, serials=serials, first_number=1
        )
        s.commit()
        payloads = [
            LabelPayload(kid=key.kid, serial=serial, stars=4, certified_until=cert.valid_until)
            for serial in serials[:spread]
        ]
    app.extensions["ocop.engine"].dispose()
    serializer = LabelSerializer(BASE_URL, store.keyring())
    return [serializer.dumps(payload, key) for payload in payloads]


# For --labels N: each wrk thread walks the list of paths round-robin, from its own offset.
ROTATE_LUA = """
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = offset or 0
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def wrk(url: str, seconds: int, connections: int, paths: Path | None = None) -> dict[str, float]:
    """Run wrk against ``url`` (or, with ``paths``, against each path in that file in turn)."""
    rotate = ["-s", str(paths.with_suffix(".lua")), url, "--", str(paths)] if paths else [url]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", *rotate],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

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


def show(results: dict[str, dict[str, float]]) -> None:
    """Print one table row per route, with its throughput as a ratio to the trivial route's."""
    trivial = results["trivial /ping"]["rps"]
    for name, r in results.items():
        ratio = r.get("ratio", r["rps"] / trivial)
        print(
            f"{name:<15}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{ratio:>8.2f}  "
            f"{r['non2xx']:>7}  {r['socket_errors']}"
        )


# gunicorn.conf.py as shipped, plus two hooks that count the verify responses each worker
# sent with status 200 (written to a file when the worker stops): the "scans served" side of
# the check, independent of the scans table and cheaper than an access log.
COUNTING_CONFIG = """
import os, re
exec(compile(open({config!r}).read(), {config!r}, "exec"))
_verify = re.compile(r"^/(V|api/v1/verify)/[0-9]+$")
_served = 0
def post_request(worker, req, environ, resp):
    global _served
    if resp.status_code == 200 and _verify.match(req.path):
        _served += 1
def worker_exit(server, worker):
    with open(os.path.join({folder!r}, "served-%d" % os.getpid()), "w") as f:
        f.write(str(_served))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--labels",
        type=int,
        default=1,
        help="spread the verify requests over this many labels (default: one)",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="also write gunicorn's access log (off in gunicorn.conf.py)"
    )
    args = parser.parse_args()
    limits = {"seconds": 3600, "connections": 10_000, "rounds": 100, "labels": 100_000, "workers": 64}
    for name, top in limits.items():
        value = getattr(args, name)
        if value is not None and not 1 <= value <= top:
            print(f"Error: --{name} must be from 1 to {top}", file=sys.stderr)
            return 2
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package 'wrk')", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'ocop.db'}",
        OCOP_SECRET_KEY=secrets.token_urlsafe(48),
        OCOP_KEY_PASSPHRASE=secrets.token_urlsafe(24),
        OCOP_KEYS_DIR=str(folder / "keys"),
        OCOP_BASE_URL=BASE_URL,
        OCOP_INSTANCE=str(folder),
    )
    env.pop("OCOP_KEY_PASSPHRASE_FILE", None)
    codes = [qr.split("/V/")[1] for qr in prepare(folder, env, args.labels)]
    digits = codes[0]
    lists: dict[str, Path | None] = {"trivial /ping": None, "JSON verify": None, "scan page": None}
    if args.labels > 1:
        for name, prefix in (("JSON verify", "/api/v1/verify/"), ("scan page", "/V/")):
            listed = folder / f"{name.split()[0].lower()}-paths.txt"
            listed.write_text("".join(f"{prefix}{code}\n" for code in codes))
            listed.with_suffix(".lua").write_text(ROTATE_LUA)
            lists[name] = listed
    port = free_port()
    log = folder / "access.log"
    config = folder / "gunicorn.bench.py"
    config.write_text(COUNTING_CONFIG.format(config=str(ROOT / "gunicorn.conf.py"), folder=str(folder)))
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            str(config),
            *(["--workers", str(args.workers)] if args.workers else []),
            *(["--access-logfile", str(log)] if args.access_log else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        routes = {
            "trivial /ping": "/ping",
            "JSON verify": f"/api/v1/verify/{digits}",
            "scan page": f"/V/{digits}",
        }
        # The worker count gunicorn.conf.py chose (Linux: the master's child processes).
        workers = len(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())
        for name, path in routes.items():
            wrk(base + path, 2, args.connections, lists[name])  # warm-up, also recorded and counted
        rounds: list[dict[str, dict[str, float]]] = []
        for _ in range(args.rounds):
            rounds.append(
                {
                    name: wrk(base + path, args.seconds, args.connections, lists[name])
                    for name, path in routes.items()
                }
            )
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as s:
        recorded = scans.count_scans(s)
    served = sum(int(path.read_text()) for path in folder.glob("served-*"))
    logged = (
        sum(
            1
            for line in log.read_text().splitlines()
            if re.search(r'"GET /(V|api/v1/verify)/\d+ HTTP/1.1" 200 ', line)
        )
        if args.access_log
        else None
    )
    print(
        f"gunicorn {workers} sync workers, access log {'on' if args.access_log else 'off'}, SQLite (WAL), "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s per route and round, {os.cpu_count()} CPUs, "
        f"verify requests over {args.labels} label(s)"
    )
    header = f"{'route':<15}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}  non-2xx  socket errors"
    for number, measured in enumerate(rounds, 1):
        print(f"round {number}")
        print(header)
        show(measured)
    results = {
        name: {
            "rps": statistics.median(r[name]["rps"] for r in rounds),
            "p50": statistics.median(r[name]["p50"] for r in rounds),
            "p99": statistics.median(r[name]["p99"] for r in rounds),
            "non2xx": sum(r[name]["non2xx"] for r in rounds),
            "socket_errors": ", ".join(sorted({str(r[name]["socket_errors"]) for r in rounds})),
            "ratio": statistics.median(r[name]["rps"] / r["trivial /ping"]["rps"] for r in rounds),
        }
        for name in routes
    }
    print(f"median of {args.rounds} rounds")
    print(header)
    show(results)
    print(
        f"scans served (200s counted by the workers): {served}; scans recorded (table): {recorded}; "
        f"{'equal' if served == recorded else 'MISMATCH'}"
        + (f"; access log: {logged} 200s" if logged is not None else "")
    )
    goals = (
        results["JSON verify"]["ratio"] >= 0.6,
        results["scan page"]["ratio"] >= 0.5,
        all(r["p99"] < 25 for r in results.values()),
        served == recorded and logged in (None, served),
    )
    print(
        "goals (json>=0.6x, page>=0.5x, p99<25ms, recorded==served):",
        ["met" if g else "MISSED" for g in goals],
    )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

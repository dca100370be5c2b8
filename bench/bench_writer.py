"""The scan writer under load on PostgreSQL (fsync on): deadlocks, scans recorded against
scans served, a 200-label revocation during the load, one SIGKILLed worker, and the time a
graceful stop takes.

    .venv/bin/python bench/bench_writer.py [--seconds 30] [--rounds 2] [--connections 64] \\
        [--labels 1000] [--baseline PATH] [--stop-under-load]

Each round starts a fresh database on a PostgreSQL server of its own (fsync and synchronous
commit on), serves it with gunicorn from ``gunicorn.conf.py`` and runs wrk over ``--labels``
labels (scan pages and JSON, alternating). A third of the way in, ``ocop revoke --range`` of
200 labels runs (its time and outcome are shown); two thirds in, one worker is SIGKILLed
(gunicorn starts another). After wrk (with ``--stop-under-load``: 80 % into it, while wrk
still sends), the master gets SIGTERM and the time to exit is shown.
Served is the workers' own count of verify answers with status 200 (each records a scan),
kept in a file per worker that survives SIGKILL; recorded is the scans table. Deadlocks
are the server log's ``deadlock detected`` reports.

``--baseline PATH`` runs a second source tree (e.g. ``git archive 2bd15ea | tar -x -C PATH``)
in turns with this one, round by round, with the same data and load.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from verify_web.core.services import services

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from labels import LabelPayload, LabelSerializer  # noqa: E402
from tests.support.pg import find_bindir  # noqa: E402
from traceability import make_engine, upgrade  # noqa: E402
from traceability.models import Scan  # noqa: E402
from traceability.services import certifications, issuance, labels, lots, producers  # noqa: E402
from verify_web import create_app  # noqa: E402

BASE_URL = "https://xacthuc.ocop.vn"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# gunicorn.conf.py as shipped, plus a hook that keeps each worker's count of verify answers
# with status 200 in a file, rewritten in place on every answer so that it survives SIGKILL.
COUNTING = """
import os, re
exec(compile(open({config!r}).read(), {config!r}, "exec"))
_verify = re.compile(r"^/(V|api/v1/verify)/[0-9]+$")
_served, _fd = 0, None
def post_request(worker, req, environ, resp):
    global _served, _fd
    if resp.status_code == 200 and _verify.match(req.path):
        _served += 1
        if _fd is None:
            path = os.path.join({folder!r}, "served-%d" % os.getpid())
            _fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.pwrite(_fd, b"%12d" % _served, 0)
"""


class Server:
    """A PostgreSQL server with production durability, run as this user (or postgres)."""

    def __init__(self, folder: Path) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("Error: PostgreSQL is not installed (Debian package 'postgresql')")
        self.bin, self.folder, self.port = bindir, folder, free_port()
        self.user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.user:
            shutil.chown(folder, user="postgres")
        self._run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        options = (
            f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c synchronous_commit=on -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", str(self.log), "-w", "start")

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.user, str(self.bin / args[0]), *args[1:]], check=True, capture_output=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "stop")


def prepare(env: dict[str, str], count: int) -> tuple[list[str], int]:
    """Migrate, make a key and ``count`` labels in one lot; return their codes and the lot id."""
    upgrade(make_engine(env["DATABASE_URL"]))
    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "SECRET_KEY": env["OCOP_SECRET_KEY"],
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_KEYS_DIR": env["OCOP_KEYS_DIR"],
            "OCOP_INSTANCE": env["OCOP_INSTANCE"],
        }
    )
    store = services(app).keystore
    store.generate(env["OCOP_KEY_PASSPHRASE"].encode())
    key = store.signer(env["OCOP_KEY_PASSPHRASE"].encode())
    with Session(services(app).engine) as s:
        producer = producers.create_producer(
            s, actor="bench", legal_name="HTX Đông Cao", kind="cooperative", commune="xã Tráng Việt",
            district="huyện Mê Linh", province="Hà Nội",
        )  # fmt: skip
        product = producers.create_product(
            s, actor="bench", producer_id=producer.id, name="Củ cải", group="food"
        )
        issued = date.today() - timedelta(days=200)
        cert = certifications.certify(
            s, actor="bench", product_id=product.id, stars=4, number="QĐ 1/QĐ-UBND", issued_on=issued
        )
        lot = lots.create_lot(
            s, actor="bench", product_id=product.id, code="BENCH-1",
            produced_on=issued + timedelta(days=1), best_before=issued + timedelta(days=900),
        )  # fmt: skip
        serials = labels.new_serials(count)
        issuance.record_labels(
            s, actor="bench", lot=lot, certification=cert, key_id=key.kid, serials=serials, first_number=1
        )
        s.commit()
        lot_id = lot.id
        payloads = [
            LabelPayload(kid=key.kid, serial=n, stars=4, certified_until=cert.valid_until) for n in serials
        ]
    services(app).engine.dispose()
    serializer = LabelSerializer(BASE_URL, store.keyring())
    return [serializer.dumps(p, key).split("/V/")[1] for p in payloads], lot_id


# --writers N: N processes record batches of scans for the same labels straight through
# record_scans (no HTTP, so this machine's CPUs are not the limit), in the tree under test.
WRITER = """
import random, sys, time
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from traceability import make_engine
from traceability.services import scans
url, seconds = sys.argv[1], float(sys.argv[4])
first, last, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
engine, rng = make_engine(url), random.Random(seed)
committed = deadlocks = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    rows = [scans.scan_row(serial=None, label_id=rng.randint(first, last), verdict="genuine", channel="web",
                           area=None, device=None, source_hash=str(rng.randrange(9)))
            for _ in range(rng.randrange(20, 200))]
    try:
        with Session(engine) as s, s.begin():
            scans.record_scans(s, rows)
        committed += 1
    except DBAPIError as e:
        if getattr(e.orig, "sqlstate", None) != "40P01":
            raise
        deadlocks += 1
print(committed, deadlocks)
"""
# The revocation itself, timed without the command's start-up, in the tree under test.
REVOKER = """
import sys, time
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from traceability import make_engine
from traceability.services import revocations
engine = make_engine(sys.argv[1])
time.sleep(float(sys.argv[3]))
started = time.monotonic()
try:
    with Session(engine) as s, s.begin():
        revocations.revoke(s, actor="bench", target="range", reason="damaged_or_lost",
                           ref={"lot_id": int(sys.argv[2]), "first": 1, "last": 200})
    outcome = "ok"
except DBAPIError as e:
    outcome = getattr(e.orig, "sqlstate", None) or type(e).__name__
print(round(time.monotonic() - started, 3), outcome)
"""


def writers_run(tree: Path, server: Server, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    """``args.writers`` writer processes and one revocation, as the comments above say."""
    env, codes, lot_id = new_database(tree, server, args, folder)
    del codes
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as c:
        first, last = c.execute(text("SELECT min(id), max(id) FROM labels")).one()
    engine.dispose()
    url = env["DATABASE_URL"]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(first), str(last), str(args.seconds), str(n)],
            env=env,
            cwd=tree,  # "-c" puts the working directory first on sys.path
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(args.writers)
    ]
    revoker = subprocess.run(
        [sys.executable, "-c", REVOKER, url, str(lot_id), str(args.seconds / 3)],
        env=env, cwd=tree, capture_output=True, text=True,
    )  # fmt: skip
    outputs = [child.communicate()[0].split() for child in children]
    revoke_s, revoke = (revoker.stdout.split() or ["-", revoker.stderr.strip().splitlines()[-1]])[:2]
    return {
        "batches": sum(int(o[0]) for o in outputs),
        "aborted_40P01": sum(int(o[1]) for o in outputs),
        "revoke_s": revoke_s,
        "revoke": revoke,
    }


def new_database(
    tree: Path, server: Server, args: argparse.Namespace, folder: Path
) -> tuple[dict[str, str], list[str], int]:
    """A fresh database with ``args.labels`` labels; the environment to serve it from ``tree``."""
    name = f"b{secrets.token_hex(4)}"
    admin = make_engine(server.url("postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=server.url(name), OCOP_SECRET_KEY=secrets.token_urlsafe(48),
        OCOP_KEY_PASSPHRASE=secrets.token_urlsafe(24), OCOP_KEYS_DIR=str(folder / name / "keys"),
        OCOP_BASE_URL=BASE_URL, OCOP_INSTANCE=str(folder / name), PYTHONPATH=str(tree),
    )  # fmt: skip
    env.pop("OCOP_KEY_PASSPHRASE_FILE", None)
    codes, lot_id = prepare(env, args.labels)
    return env, codes, lot_id


def one_run(tree: Path, server: Server, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    """Serve ``tree`` under load as the module docstring says; return the figures."""
    env, codes, lot_id = new_database(tree, server, args, folder)
    name = Path(env["OCOP_INSTANCE"]).name
    paths = folder / f"{name}.txt"
    paths.write_text("".join(f"/V/{c}\n/api/v1/verify/{c}\n" for c in codes))
    lua = folder / f"{name}.lua"
    lua.write_text(ROTATE_LUA)
    port = free_port()
    bindir = Path(sys.executable).parent
    counted = folder / name / "served"
    counted.mkdir()
    config = folder / f"{name}.conf.py"
    config.write_text(COUNTING.format(config=str(tree / "gunicorn.conf.py"), folder=str(counted)))
    master = subprocess.Popen(
        [str(bindir / "gunicorn"), "-c", str(config), "--bind", f"127.0.0.1:{port}",
         "--chdir", str(tree), "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    log_lines: list[str] = []
    reader = threading.Thread(target=lambda: log_lines.extend(master.stderr or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("Error: gunicorn did not start:\n" + "".join(log_lines[-20:])) from None
            time.sleep(0.3)
    figures: dict[str, object] = {}

    def revoke() -> None:
        time.sleep(args.seconds / 3)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "verify_web.cli", "revoke", "--range", f"{lot_id}:1-200",
             "--reason", "damaged_or_lost", "--yes"],
            env=env, cwd=tree, capture_output=True, text=True,
        )  # fmt: skip
        figures["revoke_s"] = round(time.monotonic() - started, 2)
        figures["revoke"] = "ok" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]

    def kill_one() -> None:
        time.sleep(2 * args.seconds / 3)
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)

    stopped: list[float] = []

    def stop_under_load() -> None:
        time.sleep(0.8 * args.seconds)
        stopped.append(time.monotonic())
        master.send_signal(signal.SIGTERM)

    helpers = [threading.Thread(target=revoke), threading.Thread(target=kill_one)]
    if args.stop_under_load:
        helpers.append(threading.Thread(target=stop_under_load))
    for helper in helpers:
        helper.start()
    subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "5s", "-s", str(lua),
         f"http://127.0.0.1:{port}", "--", str(paths)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for helper in helpers:
        helper.join()
    if not stopped:
        stopped.append(time.monotonic())
        master.send_signal(signal.SIGTERM)
    master.wait(timeout=120)
    figures["shutdown_s"] = round(time.monotonic() - stopped[0], 2)
    figures["stop"] = "under load" if args.stop_under_load else "after the load"
    served = sum(int(f.read_text()) for f in counted.iterdir())
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as s:
        recorded = s.scalar(select(func.count(Scan.id))) or 0
    engine.dispose()
    figures.update(served=served, recorded=recorded, lost=served - recorded, rps=round(served / args.seconds))
    # Loss in seconds of the killed worker's own traffic (the load is spread evenly).
    workers = sum("Booting worker" in line for line in log_lines) - 1  # one was a replacement
    figures["lost_s"] = round((served - recorded) / (served / args.seconds / max(workers, 1)), 2)
    figures["tracebacks"] = sum("Traceback" in line for line in log_lines)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=0, help="only N writer processes, no HTTP")
    parser.add_argument("--baseline", type=Path, default=None, help="another source tree, run in turns")
    parser.add_argument(
        "--stop-under-load", action="store_true", help="SIGTERM the master 80 %% into the load, not after it"
    )
    args = parser.parse_args()
    for option, low, top in (
        ("seconds", 6, 3600),
        ("rounds", 1, 50),
        ("connections", 1, 1000),
        ("labels", 200, 100_000),
    ):
        if not low <= getattr(args, option) <= top:
            print(f"Error: --{option} must be from {low} to {top}", file=sys.stderr)
            return 2
    if args.baseline is not None and not (args.baseline / "gunicorn.conf.py").is_file():
        print(f"Error: --baseline {args.baseline} has no gunicorn.conf.py", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("Error: wrk is not installed (Debian package 'wrk')", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    server = Server(folder)
    trees = {"this tree": ROOT, **({"baseline": args.baseline} if args.baseline else {})}
    print(f"PostgreSQL (fsync on), wrk -t2 -c{args.connections} -d{args.seconds}s over {args.labels} labels, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    try:
        for round_no in range(1, args.rounds + 1):
            for label, tree in trees.items():
                before = server.log.read_text().count("deadlock detected")
                run = writers_run if args.writers else one_run
                figures = run(tree, server, args, folder)
                figures["deadlocks"] = server.log.read_text().count("deadlock detected") - before
                print(
                    f"round {round_no} {label:>9}: " + "  ".join(f"{k} {v}" for k, v in figures.items()),
                    flush=True,
                )
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

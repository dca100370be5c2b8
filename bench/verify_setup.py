"""What bench_verify.py runs against: a registry of labels issued through the labels service,
the database holding it (a SQLite file, or a PostgreSQL server started with production
durability), and one or more gunicorn masters serving it."""

from __future__ import annotations

import argparse
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import insert
from sqlalchemy.orm import Session

from labels import LabelPayload, sign
from labels.serializer import code_to_text, normalize_base_url
from labels.signer import code_digest
from tests.support.pg import PostgresServer, find_bindir
from traceability import make_engine, upgrade
from traceability.models import AuditEntry
from traceability.services import certifications, issuance, labels, lots, producers
from verify_web import create_app
from verify_web.core.services import services

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://xacthuc.ocop.vn"
# What a shopper's phone sends with every request: its browser's user agent (~130 characters,
# which the scan recorder reads) and its language. The benches send them on every route, /ping
# too; before 2026-12-04 they sent neither (wrk sends no user agent), and the cost of telling
# a phone from a crawler was not in the figures.
PHONE_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Mobile Safari/537.36"
    ),
    "Accept-Language": "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str, folder: Path) -> Iterator[tuple[str, Path | None]]:
    """Yield the database URL and the server's log (``None`` for SQLite)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'ocop.db'}", None
        return
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("Error: PostgreSQL is not installed (Debian package 'postgresql')")
    server = PostgresServer(bindir)
    server.start(durable=True)
    try:
        yield server.url(), server.log
    finally:
        server.stop()


def instance_env(folder: Path, url: str) -> dict[str, str]:
    """The settings of a throwaway instance on ``url``: fresh secrets, its signing keys and
    instance folder under ``folder``."""
    return {
        "DATABASE_URL": url,
        "OCOP_SECRET_KEY": secrets.token_urlsafe(48),
        "OCOP_KEY_PASSPHRASE": secrets.token_urlsafe(24),
        "OCOP_KEYS_DIR": str(folder / "keys"),
        "OCOP_BASE_URL": BASE_URL,
        "OCOP_INSTANCE": str(folder),
    }


@dataclass(frozen=True)
class Issued:
    lot_id: int
    codes: list[str]  # the QR text of every label, in number order


# A registry in service has a long audit trail (every producer, product, certification, lot,
# journey event, issue run, revocation and account change): 5,000 entries is a province after
# a year or so. What a verification reads of it must not grow with it (before revision 0015
# the registry version counted the newest 1,000 audit ids on every verification).
AUDIT_HISTORY = 5_000


def prepare(folder: Path, env: dict[str, str], count: int) -> Issued:
    """Migrate the registry, make a key, one lot with three journey events and ``count``
    labels (at least 1,000) recorded straight through the labels service with their code
    digests (as ``ocop issue`` records them, without drawing them), and an audit trail of
    :data:`AUDIT_HISTORY` entries; return the lot and the QR texts of the first ``count``
    labels."""
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
    store = services(app).keystore
    store.generate(env["OCOP_KEY_PASSPHRASE"].encode())
    key = store.signer(env["OCOP_KEY_PASSPHRASE"].encode())
    with Session(services(app).engine) as s:
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
        serials = labels.new_serials(max(1000, count))
        payloads = [
            LabelPayload(kid=key.kid, serial=serial, stars=4, certified_until=cert.valid_until)
            for serial in serials
        ]
        signed = [sign(payload, key) for payload in payloads]
        base = normalize_base_url(BASE_URL)
        codes = [code_to_text(code, base) for code in signed]
        digest_key = store.ensure_digest_key()  # as ocop issue records them
        issuance.record_labels(
            s,
            actor="bench",
            lot=lot,
            certification=cert,
            key_id=key.kid,
            serials=serials,
            first_number=1,
            code_digests=[code_digest(code, digest_key) for code in signed],
        )
        s.execute(
            insert(AuditEntry),
            [
                {"actor": "bench", "action": "edit", "entity": "product", "entity_id": str(product.id),
                 "summary": f"earlier change {n}", "detail": {}}
                for n in range(AUDIT_HISTORY)
            ],
        )  # fmt: skip
        s.commit()
        lot_id = lot.id
    services(app).engine.dispose()
    return Issued(lot_id, codes[:count])


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
_shipped_exit = globals().get("worker_exit")
def worker_exit(server, worker):
    with open(os.path.join({folder!r}, "served-%d" % os.getpid()), "w") as f:
        f.write(str(_served))
    if _shipped_exit is not None:  # the shipped hook drains the scans and may end the process
        _shipped_exit(server, worker)
"""


class Hosts:
    """``args.hosts`` gunicorn masters on their own ports (and their own control sockets: two
    masters of one user otherwise share ``~/.gunicorn/gunicorn.ctl``) with the shipped
    ``gunicorn.conf.py``; stopped with SIGTERM on exit, which drains the scan writers."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], folder: Path) -> None:
        self.args, self.env, self.folder = args, env, folder
        self.servers: list[subprocess.Popen[bytes]] = []
        self.bases: list[str] = []
        self.workers = 0
        self.shutdown_seconds = 0.0
        self.logged_200s: int | None = None

    def __enter__(self) -> Hosts:
        config = self.folder / "gunicorn.bench.py"
        config.write_text(
            COUNTING_CONFIG.format(config=str(ROOT / "gunicorn.conf.py"), folder=str(self.folder))
        )
        gunicorn = Path(sys.executable).parent / "gunicorn"
        for host in range(self.args.hosts):
            port = free_port()
            log = (
                ["--access-logfile", str(self.folder / f"access-{host}.log")] if self.args.access_log else []
            )
            workers = ["--workers", str(self.args.workers)] if self.args.workers else []
            self.servers.append(
                subprocess.Popen(
                    [
                        str(gunicorn),
                        "-c",
                        str(config),
                        *workers,
                        *log,
                        "--control-socket",
                        str(self.folder / f"gunicorn-{host}.ctl"),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--chdir",
                        str(ROOT),
                        "wsgi:app",
                    ],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            self.bases.append(f"http://127.0.0.1:{port}")
        for base in self.bases:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/ping", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
        # The worker count gunicorn.conf.py chose (Linux: the master's child processes).
        pid = self.servers[0].pid
        self.workers = len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        started = time.monotonic()
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            server.wait(timeout=120)
        self.shutdown_seconds = time.monotonic() - started
        if self.args.access_log:
            self.logged_200s = sum(
                1
                for log in self.folder.glob("access-*.log")
                for line in log.read_text().splitlines()
                if re.search(r'"GET /(V|api/v1/verify)/\d+ HTTP/1.1" 200 ', line)
            )

"""Revoking a lot of 10,000 labels: one transaction, audited, seen by the next verify.

Runs on a SQLite file and on a throw-away PostgreSQL server started the way the tests start it
(tests/support/pg.py: fsync and synchronous_commit off). For each engine it prints the median
of several runs of

* revoke  — ``revocations.revoke(target=lot)`` + commit: the revocation row, one UPDATE of the
  lot's labels, the lot's status and the audit entry, in one transaction;
* baseline — a plain ``UPDATE labels SET status='revoked' WHERE lot_id=?`` + commit of another
  10,000-label lot, with no bookkeeping,

with labels/s and the ratio to the baseline. After each run it checks, through a second engine
(as another gunicorn worker would), that the audit entry landed and that ``verify_scan`` of a
label in the lot now answers ``revoked``.

Usage: .venv/bin/python bench/bench_revoke.py [--labels 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keys import Keyring, KeyStatus, PublicKey, private_key_from_seed
from labels import LabelPayload, LabelSerializer
from tests.support.pg import PostgresServer, find_bindir
from traceability import make_engine, upgrade
from traceability.enums import RecordStatus, RevocationReason, RevocationTarget
from traceability.models import AuditEntry, Certification, Label
from traceability.services import certifications, issuance, labels, lots, producers, revocations
from usecases.verify import Status, verify_scan

BASE = "https://xacthuc.ocop.vn"
KEY = private_key_from_seed(bytes(range(32)))
KEYRING = Keyring([PublicKey(KEY.kid, KEY.public_key, KeyStatus.ACTIVE, datetime(2026, 1, 1, tzinfo=UTC))])


def setup_product(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        producer = producers.create_producer(
            s,
            actor="bench",
            legal_name="HTX Đông Cao",
            kind="cooperative",
            commune="xã Tráng Việt",
            province="Hà Nội",
        )
        product = producers.create_product(
            s, actor="bench", producer_id=producer.id, name="Củ cải trắng", group="food"
        )
        cert = certifications.certify(
            s,
            actor="bench",
            product_id=product.id,
            stars=4,
            number="QĐ 1",
            issued_on=date.today().replace(day=1),
        )
        s.commit()
        return product.id, cert.id


def make_lot(engine: Engine, product_id: int, cert_id: int, code: str, count: int) -> tuple[int, int]:
    """Create a lot with ``count`` labels; return (lot id, one label's serial)."""
    with Session(engine) as s:
        lot = lots.create_lot(s, actor="bench", product_id=product_id, code=code, produced_on=date.today())
        cert = s.get(Certification, cert_id)
        assert cert is not None
        serials = labels.new_serials(count)
        issuance.record_labels(
            s, actor="bench", lot=lot, certification=cert, key_id=KEY.kid, serials=serials, first_number=1
        )
        s.commit()
        return lot.id, serials[0]


def timed_revoke(engine: Engine, lot_id: int) -> tuple[float, int]:
    start = time.perf_counter()
    with Session(engine) as s:
        revocation = revocations.revoke(
            s,
            actor="bench",
            target=RevocationTarget.LOT,
            ref={"lot_id": lot_id},
            reason=RevocationReason.RECALLED,
            note="bench",
        )
        s.commit()
        count, rid = revocation.label_count, revocation.id
    return time.perf_counter() - start, count if rid else 0


def timed_plain_update(engine: Engine, lot_id: int) -> float:
    start = time.perf_counter()
    with Session(engine) as s:
        s.execute(update(Label).where(Label.lot_id == lot_id).values(status=RecordStatus.REVOKED))
        s.commit()
    return time.perf_counter() - start


def check_visible(url: str, lot_id: int, serial: int, cert_until: date) -> None:
    """A fresh engine — another worker — sees the audit entry and a revoked verdict."""
    other = make_engine(url)
    try:
        with Session(other) as s:
            entry = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "revocation.create")
                .order_by(AuditEntry.id.desc())
            ).first()
            assert entry is not None and entry.detail["ref"] == {"lot_id": lot_id}, "audit entry missing"
            text = LabelSerializer(BASE, KEYRING).dumps(LabelPayload(KEY.kid, serial, 4, cert_until), KEY)
            verdict = verify_scan(text, keyring=KEYRING, today=date.today(), session=s, our_base_url=BASE)
            assert verdict.status is Status.REVOKED, verdict
    finally:
        other.dispose()


def run(name: str, url: str, count: int, runs: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    product_id, cert_id = setup_product(engine)
    with Session(engine) as s:
        cert = s.get(Certification, cert_id)
        assert cert is not None
        until = cert.valid_until
    revoke_times, plain_times = [], []
    for i in range(runs):
        lot_id, serial = make_lot(engine, product_id, cert_id, f"R{i}", count)
        seconds, hit = timed_revoke(engine, lot_id)
        assert hit == count, f"revoked {hit} of {count}"
        check_visible(url, lot_id, serial, until)
        revoke_times.append(seconds)
        base_lot, _ = make_lot(engine, product_id, cert_id, f"B{i}", count)
        plain_times.append(timed_plain_update(engine, base_lot))
    engine.dispose()
    revoke, plain = statistics.median(revoke_times), statistics.median(plain_times)
    print(
        f"{name:10s} revoke lot of {count}: {revoke * 1000:7.1f} ms median of {runs} "
        f"({count / revoke:,.0f} labels/s); baseline plain UPDATE {plain * 1000:7.1f} ms "
        f"({count / plain:,.0f} labels/s); ratio {revoke / plain:.2f}x; goal < 1 s: "
        f"{'met' if revoke < 1 else 'NOT met'}; audit entry and next verify checked"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.labels, args.runs)
    bindir = find_bindir()
    if bindir is None:
        print("postgresql: skipped (install Debian's 'postgresql' package)")
        return 0
    server = PostgresServer(bindir)
    server.start()
    try:
        run("postgresql", server.url(), args.labels, args.runs)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

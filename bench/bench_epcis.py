"""What EPCIS queries cost on a registry of many lots, in one process: the first and a later
page of ``GET /epcis/events``, a lot's events by ``MATCH_epcClass``, a lot's history and a
shipping-only query, against ``/healthz`` as the baseline, interleaved, every round shown.
Figures are the request thread's CPU time per request (SQLite runs in that thread), so other
processes on a shared machine do not move them.

    .venv/bin/python bench/bench_epcis.py [--lots 2000] [--requests 50] [--rounds 5]

Each lot has three journey steps and one issue run of 10 labels; every 10th lot has a number
range revoked. Each request comes from its own address, so the rate limit (one row written per
request, included in the figures) never refuses one.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import certifications, labels, lots, producers, revocations  # noqa: E402
from verify_web import create_app  # noqa: E402

_addresses = itertools.count(1)


def environ(path: str) -> dict[str, Any]:
    n = next(_addresses)
    query = path.partition("?")[2]
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.partition("?")[0],
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_USER_AGENT": "bench",
        "REMOTE_ADDR": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
    }


def per_request_ms(call: Any, path: str, n: int) -> float:
    statuses = []

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        statuses.append(status)

    began = time.thread_time()
    for _ in range(n):
        for _chunk in call(environ(path), start_response):
            pass
    spent = (time.thread_time() - began) / n * 1e3
    if any(not s.startswith("200") for s in statuses):
        raise SystemExit(f"{path}: answered {sorted(set(statuses))}")
    return spent


def build(url: str, count: int) -> tuple[int, str]:
    """Fill the registry; return a lot id and its GS1 Digital Link lot URI."""
    engine = make_engine(url)
    upgrade(engine)
    start = datetime.now(UTC) - timedelta(days=60)
    with Session(engine, expire_on_commit=False) as session:
        producer = producers.create_producer(
            session,
            actor="bench",
            legal_name="HTX Bench",
            kind="cooperative",
            commune="xã A",
            province="Hà Nội",
        )
        product = producers.create_product(
            session, actor="bench", producer_id=producer.id, name="Mật ong", group="food"
        )
        product.gtin = "08930000000017"
        cert = certifications.certify(
            session,
            actor="bench",
            product_id=product.id,
            stars=4,
            number="QĐ 1",
            issued_on=date.today() - timedelta(days=100),
        )
        for i in range(count):
            lot = lots.create_lot(
                session,
                actor="bench",
                product_id=product.id,
                code=f"L{i:05d}",
                produced_on=date.today() - timedelta(days=70),
            )
            for day, kind in enumerate(("harvested", "packed", "shipped")):
                moment = start + timedelta(days=day, seconds=i)
                lots.add_event(
                    session, actor="bench", lot_id=lot.id, kind=kind, occurred_at=moment, place="Hà Nội"
                )
            labels.record_labels(
                session,
                actor="bench",
                lot=lot,
                certification=cert,
                key_id="bench",
                serials=labels.new_serials(10),
                first_number=1,
            )
            if i % 10 == 0:
                session.flush()
                revocations.revoke(
                    session,
                    actor="bench",
                    target="range",
                    ref={"lot_id": lot.id, "first": 3, "last": 5},
                    reason="damaged_or_lost",
                )
        session.commit()
        middle = count // 2 + 1
        return middle, f"https://xacthuc.ocop.vn/01/08930000000017/10/L{middle - 1:05d}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (1 <= args.lots <= 100_000 and 1 <= args.requests <= 10_000 and 1 <= args.rounds <= 100):
        print("Error: --lots 1..100000, --requests 1..10000, --rounds 1..100", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-epcis-"))
    url = f"sqlite:///{folder / 'ocop.db'}"
    began = time.perf_counter()
    lot_id, lot_uri = build(url, args.lots)
    print(
        f"registry: {args.lots} lots, {args.lots * 3} journey steps, {args.lots} issue runs, "
        f"{args.lots // 10} revocations; built in {time.perf_counter() - began:.0f} s"
    )
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-" + "x" * 40,
            "OCOP_BASE_URL": "https://xacthuc.ocop.vn",
            "OCOP_KEYS_DIR": str(folder / "keys"),
            "OCOP_INSTANCE": str(folder),
        }
    )
    call = app.wsgi_app
    with app.test_client() as client:
        first = client.get("/epcis/events?perPage=100", environ_base={"REMOTE_ADDR": "10.255.0.1"})
        token = first.headers["GS1-Next-Page-Token"]
    later = client.get(
        f"/epcis/events?perPage=100&nextPageToken={token}", environ_base={"REMOTE_ADDR": "10.255.0.2"}
    )
    token5 = later.headers["GS1-Next-Page-Token"]
    paths = {
        "healthz (baseline)": "/healthz",
        "events, page 1 of 100": "/epcis/events?perPage=100",
        "events, page 3 of 100": f"/epcis/events?perPage=100&nextPageToken={token5}",
        "events, MATCH_epcClass one lot": f"/epcis/events?MATCH_epcClass={lot_uri}",
        "events, EQ_bizStep=shipping, 100": "/epcis/events?EQ_bizStep=shipping&perPage=100",
        "lot history": f"/epcis/lots/{lot_id}",
    }
    results: dict[str, list[float]] = {name: [] for name in paths}
    for round_no in range(1, args.rounds + 1):
        line = []
        for name, path in paths.items():
            spent = per_request_ms(call, path, args.requests)
            results[name].append(spent)
            line.append(f"{name}: {spent:.2f}")
        print(f"round {round_no}: " + "; ".join(line) + " (ms CPU per request)")
    base = statistics.median(results["healthz (baseline)"])
    print("median ms CPU per request, and ratio to /healthz:")
    for name, values in results.items():
        print(f"  {name:34s} {statistics.median(values):8.2f} ms  x{statistics.median(values) / base:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

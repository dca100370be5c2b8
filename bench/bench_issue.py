"""Issuing labels into a PDF: labels per second and peak memory, 10,000 and 100,000 labels.

Each size runs in its own process (so peak RSS is that run's own), on a fresh SQLite file:
plan the issue (all checks), sign, record in batches, encode the QR and write the PDF pages,
then commit — what ``ocop issue`` does, without the progress bar.

Baseline, measured in the same run: bare Ed25519 signing plus QR encoding of each label code
(the work no layout or database can avoid). Goals: >= 1,000 labels/s; peak memory of the
100,000-label run <= 1.2 x the 10,000-label run.

    .venv/bin/python bench/bench_issue.py [--sizes 10000 100000]

``--forms`` compares the two label forms instead (issue 14): 10,000 labels of today's ``/V/``
form and 10,000 of the GS1 Digital Link form (version 8 QR), in alternating runs, every round
shown with the GS1/OCOP ratio (goal: GS1 within 20 %, ratio >= 0.8).

    .venv/bin/python bench/bench_issue.py --forms [--rounds 3] [--sizes 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.orm import Session

from keys import Keyring, KeyStatus, PublicKey, generate
from labels import LabelPayload, LabelSerializer
from labels.layout import design, parse_stock
from labels.pdf import PdfWriter
from labels.qr import encode
from labels.signer import CONTEXT
from traceability import make_engine, upgrade
from traceability.services import certifications, lots, producers
from usecases.issuance import issue, plan_issue

BASE_URL = "https://xacthuc.ocop.vn"


def worker(count: int, form: str = "ocop") -> dict[str, float]:
    """One issue run of ``count`` labels into a PDF, of label ``form`` (``ocop`` or ``gs1``);
    returns its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        key = generate()
        serializer = LabelSerializer(
            BASE_URL, Keyring([PublicKey(key.kid, key.public_key, KeyStatus.ACTIVE, datetime.now(UTC))])
        )
        with Session(engine) as session:
            producer = producers.create_producer(
                session,
                actor="bench",
                legal_name="HTX Dịch vụ tổng hợp Đông Cao",
                kind="cooperative",
                commune="xã Tráng Việt",
                province="Hà Nội",
            )
            product = producers.create_product(
                session,
                actor="bench",
                producer_id=producer.id,
                name="Củ cải trắng",
                group="food",
                gtin="08934567890120" if form == "gs1" else None,
                label_form=form,
            )
            certifications.certify(
                session,
                actor="bench",
                product_id=product.id,
                stars=4,
                number="QĐ 1",
                issued_on=date.today() - timedelta(days=10),
            )
            lots.create_lot(
                session,
                actor="bench",
                product_id=product.id,
                code="DC-2026-11",
                produced_on=date.today(),
                best_before=date.today() + timedelta(days=365),
            )
            session.commit()
            start, cpu_start = time.perf_counter(), time.process_time()
            plan = plan_issue(
                session,
                product_id=product.id,
                lot_code="DC-2026-11",
                count=count,
                today=date.today(),
                base_url=serializer.base_url,
            )
            with open(f"{tmp}/out.pdf", "wb") as f:
                writer = PdfWriter(f, design(parse_stock("a4-40"), plan.facts))
                for label in issue(session, plan, key=key, serializer=serializer, actor="bench"):
                    writer.add(label)
                writer.close()
            session.commit()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            size = Path(f"{tmp}/out.pdf").stat().st_size
        engine.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "count": count,
        "seconds": elapsed,
        "rate": count / elapsed,
        "cpu_rate": count / cpu,
        "peak_mib": peak_kib / 1024,
        "pdf_mib": size / 2**20,
    }


def baseline(count: int) -> tuple[float, float]:
    """Labels per wall-clock second and per CPU second for bare signing + QR encoding."""
    key = generate()
    serializer = LabelSerializer(BASE_URL, Keyring([]))
    payloads = [LabelPayload(key.kid, i * 7919, 4, date(2029, 1, 1)) for i in range(count)]
    start, cpu_start = time.perf_counter(), time.process_time()
    for p in payloads:
        key.sign(CONTEXT + p.pack())
        encode(serializer.dumps(p, key))
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu_start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--form", default="ocop", help=argparse.SUPPRESS)
    parser.add_argument("--forms", action="store_true", help="compare the OCOP and GS1 label forms")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.form)))
        return
    if args.forms:
        compare_forms(args.sizes[0] if args.sizes != [10_000, 100_000] else 10_000, args.rounds)
        return
    results = []
    for size in args.sizes:
        # The baseline is measured again before each run: the machine's load moves in between.
        base, base_cpu = baseline(5_000)
        print(f"baseline (sign + QR encode only): {base:,.0f} labels/s, {base_cpu:,.0f} per CPU second")
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(size)], check=True, capture_output=True, text=True
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{size:>7,} labels: {r['rate']:,.0f} labels/s ({r['rate'] / base:.2f}x baseline), "
            f"{r['cpu_rate']:,.0f} per CPU second ({r['cpu_rate'] / base_cpu:.2f}x), "
            f"{r['seconds']:.1f} s, peak RSS {r['peak_mib']:.1f} MiB, PDF {r['pdf_mib']:.1f} MiB"
        )
    if len(results) >= 2:
        ratio = results[-1]["peak_mib"] / results[0]["peak_mib"]
        print(f"peak memory {results[-1]['count']:,} / {results[0]['count']:,}: {ratio:.2f}x (goal <= 1.2x)")
    slowest = min(r["rate"] for r in results)
    slowest_cpu = min(r["cpu_rate"] for r in results)
    print(
        f"slowest run: {slowest:,.0f} labels/s wall clock, {slowest_cpu:,.0f} per CPU second (goal >= 1,000)"
    )


def _run(size: int, form: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(size), "--form", form],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def compare_forms(size: int, rounds: int) -> None:
    """Alternating runs of both forms, the order swapped each round; every round printed."""
    ratios, cpu_ratios = [], []
    for n in range(1, rounds + 1):
        order = ("ocop", "gs1") if n % 2 else ("gs1", "ocop")
        got = {form: _run(size, form) for form in order}
        ocop, gs1 = got["ocop"], got["gs1"]
        ratios.append(gs1["rate"] / ocop["rate"])
        cpu_ratios.append(gs1["cpu_rate"] / ocop["cpu_rate"])
        print(
            f"round {n}: OCOP /V/ {ocop['rate']:,.0f} labels/s ({ocop['cpu_rate']:,.0f} per CPU s, "
            f"PDF {ocop['pdf_mib']:.1f} MiB) · GS1 DL {gs1['rate']:,.0f} labels/s "
            f"({gs1['cpu_rate']:,.0f} per CPU s, PDF {gs1['pdf_mib']:.1f} MiB) · "
            f"GS1/OCOP {ratios[-1]:.2f} wall clock, {cpu_ratios[-1]:.2f} CPU"
        )
    print(
        f"{size:,} labels, GS1/OCOP median {statistics.median(ratios):.2f} wall clock, "
        f"{statistics.median(cpu_ratios):.2f} CPU (goal >= 0.80)"
    )


if __name__ == "__main__":
    main()

"""Reading a GS1-form label (docs/label-code.md §9): our parser against biip, and the whole
offline verification of both label forms.

Baseline, in the same run: reading today's ``/V/`` form (``labels.scanned.split``). Each round
times every candidate in turn, so the machine's load falls on all alike; every round is shown.
biip (a test dependency) is the maintained GS1 parser: it is used in the tests to check our
URIs, and would replace our parser on the verify path if it cost about the same.

    .venv/bin/python bench/bench_gs1_parse.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import biip

from keys import Keyring, KeyStatus, PublicKey, generate
from labels import LabelPayload, LabelSerializer
from labels.linkcode import LinkPayload, link_text, sign
from labels.scanned import split
from usecases.verify import verify_scan


def _time(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    key = generate()
    keyring = Keyring([PublicKey(key.kid, key.public_key, KeyStatus.ACTIVE, datetime.now(UTC))])
    base = "https://XACTHUC.OCOP.VN"
    v1 = LabelSerializer(base, keyring).dumps(
        LabelPayload(key.kid, 123456789012345, 4, date(2029, 1, 1)), key
    )
    payload = LinkPayload(
        key.kid, 123456789012345, 4, date(2029, 1, 1), "08934567890120", "DC-2026-11", "280101"
    )
    gs1 = link_text(payload, sign(payload, key), base)
    day = date(2026, 12, 1)
    candidates: dict[str, tuple[Callable[[], object], int]] = {
        "split /V/ (baseline)": (lambda: split(v1), 3000),
        "split GS1": (lambda: split(gs1), 3000),
        "biip.parse GS1": (lambda: biip.parse(gs1), 300),
        "verify_scan offline /V/": (lambda: verify_scan(v1, keyring=keyring, today=day), 1000),
        "verify_scan offline GS1": (lambda: verify_scan(gs1, keyring=keyring, today=day), 1000),
    }
    results: dict[str, list[float]] = {name: [] for name in candidates}
    for n in range(1, rounds + 1):
        for name, (fn, count) in candidates.items():
            results[name].append(_time(fn, count))
        baseline = results["split /V/ (baseline)"][-1]
        print(
            f"round {n}: "
            + " · ".join(f"{k} {v[-1]:.0f} µs ({v[-1] / baseline:.1f}x)" for k, v in results.items())
        )
    baseline = statistics.median(results["split /V/ (baseline)"])
    for name, values in results.items():
        median = statistics.median(values)
        print(f"median {name}: {median:.0f} µs ({median / baseline:.1f}x baseline)")


if __name__ == "__main__":
    main()

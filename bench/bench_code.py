"""How much the label-code format costs on top of bare Ed25519.

Measures, in one run on one core:
- bare: Ed25519 sign and verify of the 26 bytes that a label signs, with a loaded key;
- format: ``LabelSerializer.dumps`` (pack, sign, decimal digits, URL) and
  ``verify_scan`` offline (parse, digits to bytes, unpack, verify, verdict).
Prints operations per second and the overhead of the format over the bare operation.
Goal: overhead under 20% for both directions.

    .venv/bin/python bench/bench_code.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from keys import Keyring, KeyStatus, PublicKey, generate
from keys.ed25519 import verify as bare_verify
from labels import LabelPayload, LabelSerializer
from labels.signer import CONTEXT
from usecases.verify import Status, verify_scan


def rate(fn: Callable[[int], object], seconds: float, repeats: int = 5) -> float:
    """Median operations per second over ``repeats`` timed runs of about ``seconds`` / repeats."""
    batch = 200
    rates = []
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / repeats:
            for i in range(batch):
                fn(done + i)
            done += batch
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")

    key = generate()
    keyring = Keyring([PublicKey(key.kid, key.public_key, KeyStatus.ACTIVE, datetime.now(UTC))])
    serializer = LabelSerializer("https://xacthuc.ocop.vn", keyring)
    payloads = [
        LabelPayload(
            kid=key.kid, serial=(i * 7919) % (1 << 60), stars=3 + i % 3, certified_until=date(2028, 1, 1)
        )
        for i in range(1000)
    ]
    bodies = [CONTEXT + p.pack() for p in payloads]
    signatures = [key.sign(b) for b in bodies]
    texts = [serializer.dumps(p, key) for p in payloads]
    today = date(2026, 11, 22)
    assert verify_scan(texts[0], keyring=keyring, today=today).status is Status.GENUINE

    bare_sign = rate(lambda i: key.sign(bodies[i % 1000]), args.seconds)
    code_sign = rate(lambda i: serializer.dumps(payloads[i % 1000], key), args.seconds)
    bare_check = rate(
        lambda i: bare_verify(key.public_key, bodies[i % 1000], signatures[i % 1000], kid=key.kid),
        args.seconds,
    )
    code_check = rate(lambda i: verify_scan(texts[i % 1000], keyring=keyring, today=today), args.seconds)

    print(f"{'operation':<34}{'per second':>12}{'µs each':>10}")
    for name, value in [
        ("bare Ed25519 sign", bare_sign),
        ("label code sign + encode (URL)", code_sign),
        ("bare Ed25519 verify", bare_check),
        ("label code decode + verify", code_check),
    ]:
        print(f"{name:<34}{value:>12,.0f}{1e6 / value:>10.1f}")
    sign_overhead = bare_sign / code_sign - 1
    verify_overhead = bare_check / code_check - 1
    print(f"\nformat overhead on signing:   {sign_overhead:6.1%} (ratio {code_sign / bare_sign:.2f})")
    print(f"format overhead on verifying: {verify_overhead:6.1%} (ratio {code_check / bare_check:.2f})")
    print(f"goal < 20%: {'met' if max(sign_overhead, verify_overhead) < 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()

"""What one passphrase guess costs an attacker holding a stolen private key file.

Each round times, interleaved on one core:
- legacy: loading a PKCS#8 PEM key (PBKDF2-HMAC-SHA256, 2,048 iterations), the baseline;
- key file: loading a key file (Argon2id, 64 MiB, 3 passes, 4 lanes, then AES-256-GCM), which is
  exactly the work of one guess;
- cached: ``Keystore.signer`` once the key is unlocked (what each signature's caller pays).
Every round is printed, then the medians and the ratio key file / legacy.
Goal: a key file guess costs at least 100 ms.

    .venv/bin/python bench/bench_kdf.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys import Keystore, keyfile
from keys.ed25519 import load_encrypted_pem, load_key_file

PASSPHRASE = b"benchmark passphrase, not a secret"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 100:
        parser.error("--rounds must be from 1 to 100")

    legacy = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    with tempfile.TemporaryDirectory() as folder:
        maker = Keystore(Path(folder))
        kid = maker.generate(PASSPHRASE).kid
        sealed = (Path(folder) / f"{kid}.key").read_bytes()
        reader = Keystore(Path(folder))
        reader.signer(PASSPHRASE)
        print(
            f"key file KDF: Argon2id memory {keyfile.MEMORY_KIB // 1024} MiB, "
            f"{keyfile.ITERATIONS} passes, {keyfile.LANES} lanes"
        )
        print(f"{'round':>5}  {'legacy ms':>10}  {'key file ms':>12}  {'cached µs':>10}  {'ratio':>7}")
        rows = []
        for n in range(1, args.rounds + 1):
            old = timed(lambda: load_encrypted_pem(legacy, PASSPHRASE))
            new = timed(lambda: load_key_file(sealed, PASSPHRASE))
            cached = timed(lambda: reader.signer(PASSPHRASE))
            rows.append((old, new, cached))
            print(
                f"{n:>5}  {old * 1e3:>10.2f}  {new * 1e3:>12.1f}  {cached * 1e6:>10.1f}  {new / old:>6.0f}x"
            )
    old_m, new_m, cached_m = (statistics.median(col) for col in zip(*rows, strict=True))
    print(
        f"median: legacy {old_m * 1e3:.2f} ms, key file {new_m * 1e3:.1f} ms a guess "
        f"({new_m / old_m:.0f}x the legacy cost), cached signer {cached_m * 1e6:.1f} µs"
    )
    slowest_ok = min(r[1] for r in rows) >= 0.1
    print(f"goal (every key file round >= 100 ms): {'met' if slowest_ok else 'MISSED'}")


if __name__ == "__main__":
    main()

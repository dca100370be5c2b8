"""Why labels/qr.py uses zxing-cpp's encoder, not ``qrcode`` (on the card) or ``segno``.

For 200 real label texts (lower-case scheme, upper-case host, the code's digits) each encoder
makes the level-M matrix; we print the QR version each one reaches and the time per label,
interleaved round by round, with the ratio to zxing-cpp measured in the same round.

``qrcode`` is not a dependency of the project; to run this: ``.venv/bin/pip install qrcode==8.2``
(segno is a test dependency). Run: ``.venv/bin/python bench/bench_qr_encoders.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qrcode  # type: ignore[import-untyped]
import segno

from labels.qr import encode
from labels.serializer import CODE_DIGITS

ROUNDS = 7
TEXTS = [
    "https://XACTHUC.OCOP.VN/V/" + "".join(random.Random(n).choice("0123456789") for _ in range(CODE_DIGITS))
    for n in range(200)
]


def with_zxing(text: str) -> int:
    return encode(text).version


def with_qrcode(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text, optimize=20)  # its best: split into mode segments of at least 20 chars
    try:
        code.make(fit=True)
    except ValueError:
        return -1  # qrcode 8.2 fails on some texts (glog(0) in its Reed-Solomon step)
    code.get_matrix()
    return int(code.version)


def with_segno(text: str) -> int:
    return int(segno.make_qr(text, error="m", boost_error=False).version)


ENCODERS: dict[str, Callable[[str], int]] = {
    "zxing-cpp": with_zxing,
    "qrcode": with_qrcode,
    "segno": with_segno,
}


def main() -> None:
    reached = {name: [fn(t) for t in TEXTS] for name, fn in ENCODERS.items()}
    for name, found in reached.items():
        failed = found.count(-1)
        versions = sorted(set(found) - {-1})
        print(f"{name}: QR versions {versions} (level M), {failed} of {len(TEXTS)} texts failed")
    per_label: dict[str, list[float]] = {name: [] for name in ENCODERS}
    for round_ in range(1, ROUNDS + 1):
        row = []
        for name, fn in ENCODERS.items():
            start = time.perf_counter()
            for text in TEXTS:
                fn(text)
            per_label[name].append((time.perf_counter() - start) / len(TEXTS) * 1e6)
        base = per_label["zxing-cpp"][-1]
        for name in ENCODERS:
            row.append(f"{name} {per_label[name][-1]:8.1f} µs ({per_label[name][-1] / base:5.1f}×)")
        print(f"round {round_}: " + " | ".join(row))
    for name, values in per_label.items():
        median = statistics.median(values)
        ratio = median / statistics.median(per_label["zxing-cpp"])
        print(f"median {name}: {median:.1f} µs a label, {ratio:.1f}× zxing-cpp")


if __name__ == "__main__":
    main()

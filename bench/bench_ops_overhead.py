"""What the metrics and the request id cost per request, in one process, without the noise of
a shared machine: the same app called through WSGI with them on and with them taken out,
interleaved, every round shown. Figures are the request thread's CPU time (``thread_time``),
so other processes on a shared machine do not move them; the scan writer's thread is not in
them either.

    .venv/bin/python bench/bench_ops_overhead.py [--requests 5000] [--rounds 5]

"Off" calls the app's WSGI callable inside both wrappers (request timing, request id);
verifications are still counted there (measured on its own as the last line).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_verify import prepare  # noqa: E402
from verify_web import create_app  # noqa: E402
from verify_web.core import logs, metrics  # noqa: E402
from verify_web.core.services import services  # noqa: E402


def environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_USER_AGENT": "bench",
        "REMOTE_ADDR": "127.0.0.1",
    }


def per_request_us(call: Any, path: str, n: int) -> float:
    def start_response(_status: str, _headers: Any, _exc: Any = None) -> None:
        return None

    began = time.thread_time()  # this thread's CPU: robust to other processes on the machine
    for _ in range(n):
        for _chunk in call(environ(path), start_response):
            pass
    return (time.thread_time() - began) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (1 <= args.requests <= 1_000_000 and 1 <= args.rounds <= 100):
        print("Error: --requests must be from 1 to 1000000 and --rounds from 1 to 100", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-ops-"))
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'ocop.db'}",
        "OCOP_SECRET_KEY": "bench-secret-" + "x" * 40,
        "OCOP_KEY_PASSPHRASE": "bench-passphrase-123",
        "OCOP_KEYS_DIR": str(folder / "keys"),
    }
    digits = prepare(folder, env, 1)[0].split("/V/")[1]
    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "SECRET_KEY": env["OCOP_SECRET_KEY"],
            "OCOP_BASE_URL": "https://xacthuc.ocop.vn",
            "OCOP_KEYS_DIR": env["OCOP_KEYS_DIR"],
            "OCOP_INSTANCE": str(folder),
        }
    )
    outer = app.wsgi_app
    assert isinstance(outer, logs._WithRequestId) and isinstance(outer._wrapped, metrics._Timed)
    inner = outer._wrapped._wrapped
    routes = {"/ping": "/ping", "JSON verify": f"/api/v1/verify/{digits}"}
    for path in routes.values():  # warm every cache
        per_request_us(outer, path, 200)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in routes}
    print(f"{args.requests} requests per figure, one thread, SQLite; CPU µs per request")
    print(f"{'round':<7}{'route':<13}{'on':>9}{'off':>9}{'on/off':>8}")
    for number in range(1, args.rounds + 1):
        for name, path in routes.items():
            # Alternate which goes first, so that warming or cooling of the machine cancels.
            figures: dict[bool, float] = {}
            for instrumented in (True, False) if number % 2 else (False, True):
                figures[instrumented] = per_request_us(outer if instrumented else inner, path, args.requests)
            on, off = figures[True], figures[False]
            results[name].append((on, off))
            print(f"{number:<7}{name:<13}{on:>9.1f}{off:>9.1f}{on / off:>8.3f}")
    for name, pairs in results.items():
        on, off = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        print(f"median {name:<13}{on:>9.1f}{off:>9.1f}{on / off:>8.3f}  (+{on - off:.1f} µs)")
    began = time.thread_time()
    for _ in range(100_000):
        metrics.verification("genuine", "api")
    print(f"metrics.verification(): {(time.thread_time() - began) * 10:.2f} µs of CPU a call")
    writer = services(app).scan_writer
    if writer is not None:
        writer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

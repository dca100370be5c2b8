"""What one verification costs in one process, without the noise of a shared machine: /ping,
the JSON verify and the scan page, for a label the worker has judged (hot) and for labels it
has not (cold), on SQLite or a PostgreSQL server it starts (fsync on). Figures are the request
thread's CPU time per request (``thread_time``: other processes do not move it; the scan
writer's thread and the PostgreSQL server's CPU are not in it), median of the rounds, every
round shown.

    .venv/bin/python bench/bench_verify_inprocess.py [--db sqlite|postgresql] [--requests 2000] [--rounds 3]

Run it in two trees in turns (e.g. an export of main and this one) to compare them.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from verify_setup import BASE_URL, PHONE_HEADERS, database, instance_env, prepare  # noqa: E402

from verify_web import create_app  # noqa: E402
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
        "HTTP_USER_AGENT": PHONE_HEADERS["User-Agent"],
        "HTTP_ACCEPT_LANGUAGE": PHONE_HEADERS["Accept-Language"],
        "REMOTE_ADDR": "127.0.0.1",
    }


def cpu_per_request(app: Any, paths: Iterable[str]) -> float:
    """The request thread's CPU per request, in µs."""

    def start_response(*_args: Any) -> None:
        return None

    listed = list(paths)
    began = time.thread_time()
    for path in listed:
        for _chunk in app(environ(path), start_response):
            pass
    return (time.thread_time() - began) / len(listed) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (100 <= args.requests <= 100_000 and 1 <= args.rounds <= 50):
        print("Error: --requests must be from 100 to 100000 and --rounds from 1 to 50", file=sys.stderr)
        return 2
    cold_each = args.requests // 4  # cold requests per route and round
    folder = Path(tempfile.mkdtemp(prefix="bench-inprocess-"))
    with database(args.db, folder) as (url, _log):
        env = instance_env(folder, url)
        issued = prepare(folder, env, 1 + 2 * cold_each * args.rounds)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": env["OCOP_SECRET_KEY"],
                "OCOP_BASE_URL": BASE_URL,
                "OCOP_KEYS_DIR": env["OCOP_KEYS_DIR"],
                "OCOP_INSTANCE": str(folder),
            }
        )
        digits = [code.split("/V/")[1] for code in issued.codes]
        hot, fresh = digits[0], iter(digits[1:])
        cpu_per_request(app, ["/ping", f"/api/v1/verify/{hot}", f"/V/{hot}"] * 200)  # warm-up
        n = args.requests
        cases: dict[str, Callable[[], list[str]]] = {
            "/ping": lambda: ["/ping"] * n,
            "hot JSON": lambda: [f"/api/v1/verify/{hot}"] * n,
            "hot page": lambda: [f"/V/{hot}"] * n,
            "cold JSON": lambda: [f"/api/v1/verify/{next(fresh)}" for _ in range(cold_each)],
            "cold page": lambda: [f"/V/{next(fresh)}" for _ in range(cold_each)],
        }
        figures: dict[str, list[float]] = {name: [] for name in cases}
        for _round in range(args.rounds):
            for name, paths in cases.items():
                figures[name].append(cpu_per_request(app, paths()))
        services(app).scan_writer.close()
        services(app).engine.dispose()
    print(f"{args.db}, {ROOT}: request thread CPU per request, µs (median; every round)")
    for name, values in figures.items():
        print(f"{name:<10}{statistics.median(values):>8.1f}   " + " ".join(f"{v:.1f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())

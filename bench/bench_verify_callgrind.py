"""Instructions per request (valgrind's callgrind), which a busy machine does not move: /ping,
the JSON verify and the scan page, hot and cold, on SQLite, the scan writer's work included.

    .venv/bin/python bench/bench_verify_callgrind.py [TREE]

Sets up a registry natively (about 450 labels), then runs TREE's app (default: this one)
under ``valgrind --tool=callgrind`` and dumps the counters after each case of 200 requests
(``callgrind_control --dump``, in the measured process). Prints instructions per request.
Takes several minutes.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N = 200  # requests per case


def setup(tree: Path) -> Path:
    sys.path[:0] = [str(tree), str(tree / "bench")]
    from verify_setup import BASE_URL, prepare

    folder = Path(tempfile.mkdtemp(prefix="bench-callgrind-"))
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'ocop.db'}",
        "OCOP_SECRET_KEY": secrets.token_urlsafe(48),
        "OCOP_KEY_PASSPHRASE": secrets.token_urlsafe(24),
        "OCOP_KEYS_DIR": str(folder / "keys"),
        "OCOP_BASE_URL": BASE_URL,
        "OCOP_INSTANCE": str(folder),
    }
    issued = prepare(folder, env, 1 + 2 * N + 50)
    (folder / "setup.json").write_text(json.dumps({"env": env, "codes": issued.codes}))
    return folder


def measure(tree: Path, folder: Path) -> None:
    """Runs under callgrind: warm up, then each case, dumping the counters after each."""
    sys.path.insert(0, str(tree))
    from verify_web import create_app

    def writer_of(app: Any) -> Any:
        # This script also measures older trees (a baseline), whose app kept the writer in
        # ``extensions["ocop.scanwriter"]`` instead of the typed services object.
        try:
            from verify_web.core.services import services
        except ImportError:
            return app.extensions["ocop.scanwriter"]
        return services(app).scan_writer

    data = json.loads((folder / "setup.json").read_text())
    env = data["env"]
    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "SECRET_KEY": env["OCOP_SECRET_KEY"],
            "OCOP_BASE_URL": env["OCOP_BASE_URL"],
            "OCOP_KEYS_DIR": env["OCOP_KEYS_DIR"],
            "OCOP_INSTANCE": str(folder),
        }
    )

    def run(paths: list[str]) -> None:
        for path in paths:
            environ: dict[str, Any] = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(),
                "wsgi.errors": sys.stderr,
                "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14)",
                "REMOTE_ADDR": "127.0.0.1",
            }
            for _chunk in app(environ, lambda *_args: None):
                pass
        writer_of(app).flush()  # the writer's work for these scans counts too

    def dump(name: str) -> None:
        command = ["callgrind_control", f"--dump={name}", str(os.getpid())]
        subprocess.run(command, capture_output=True, check=False)
        time.sleep(1)

    digits = [code.split("/V/")[1] for code in data["codes"]]
    hot, cold = digits[0], iter(digits[51:])
    run(["/ping", f"/api/v1/verify/{hot}", f"/V/{hot}"] * 20)
    run([f"/V/{d}" for d in digits[1:26]] + [f"/api/v1/verify/{d}" for d in digits[26:51]])
    dump("setup")
    run(["/ping"] * N)
    dump("ping")
    run([f"/api/v1/verify/{hot}"] * N)
    dump("hot-json")
    run([f"/V/{hot}"] * N)
    dump("hot-page")
    run([f"/api/v1/verify/{next(cold)}" for _ in range(N)])
    dump("cold-json")
    run([f"/V/{next(cold)}" for _ in range(N)])
    dump("cold-page")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    if not (tree / "verify_web").is_dir():
        print(f"Error: {tree} is not a source tree", file=sys.stderr)
        return 2
    folder = setup(tree)
    out = folder / "callgrind.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
         "--measure", str(tree), str(folder)],
        capture_output=True, check=True,
    )  # fmt: skip
    print(f"{tree}: instructions per request (callgrind, {N} requests a case)")
    for dumped in sorted(folder.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:])):
        text = dumped.read_text(errors="replace")
        name = re.search(r"^desc: Trigger: .*?dump (\S+)", text, re.M)
        total = re.search(r"^summary: (\d+)", text, re.M)
        if name and total and name.group(1) != "setup":
            print(f"{name.group(1):<10}{int(total.group(1)) / N:>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The offline app (/app/) in this machine's Chromium: bytes a phone downloads on first use and
on a later refresh, and the time from a camera frame to the verdict on screen.

    .venv/bin/python bench/bench_offline.py [--rounds 10]

A registry with one lot is served by werkzeug on 127.0.0.1 (one revocation, so the list has an
entry); every response body is counted as the server sent it (uncompressed, except the
revocation list, which the server gzips itself) and as gzip -6 would send it through a proxy.
Chromium's fake camera plays a printed label (our own renderer). Timing rounds interleave the
wasm reader, the BarcodeDetector branch (the barcode-detector polyfill installed as
window.BarcodeDetector: Linux Chromium has none of its own) and the baseline: the same verdict
from pasted text, with no camera; every round is printed.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from labels import LabelSerializer  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, PHONE, chromium_path  # noqa: E402
from tests.support.factories import issue, make_world, url_for_label  # noqa: E402
from tests.verify_web.offline_support import (  # noqa: E402
    NO_DETECTOR,
    POLYFILL_AS_NATIVE,
    label_image,
    open_app,
    write_y4m,
)
from traceability import make_engine, upgrade  # noqa: E402
from traceability.services import revocations  # noqa: E402
from verify_web import create_app  # noqa: E402
from verify_web.core import db  # noqa: E402
from verify_web.core.services import services  # noqa: E402

BASE_URL = "https://xacthuc.ocop.vn"
PASSPHRASE = "bench-offline-passphrase"


class Counted:
    """WSGI middleware: every response's path and body bytes, as sent and as gzip would send."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seen: list[tuple[str, int, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        body = b"".join(self.app(environ, start_response))
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        zipped = len(gzip.compress(body, 6)) if body and body[:2] != b"\x1f\x8b" else len(body)
        with self.lock:
            self.seen.append((path, len(body), zipped))
        yield body

    def take(self) -> list[tuple[str, int, int]]:
        with self.lock:
            seen, self.seen = self.seen, []
        return seen


def report(title: str, seen: list[tuple[str, int, int]]) -> None:
    print(
        f"\n{title}: {len(seen)} responses, {sum(s for _, s, _ in seen):,} bytes as sent, "
        f"{sum(z for _, _, z in seen):,} bytes gzipped"
    )
    for path, sent, zipped in sorted(seen, key=lambda row: -row[1]):
        print(f"  {sent:>9,} {zipped:>9,}  {path}")


def build(folder: Path) -> tuple[Any, str, str]:
    """The app on a fresh SQLite registry; returns it, a genuine code and a second label's code."""
    url = f"sqlite:///{folder / 'ocop.db'}"
    upgrade(make_engine(url))
    import os

    os.environ["OCOP_KEY_PASSPHRASE"] = PASSPHRASE
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_KEYS_DIR": str(folder / "keys"),
            "OCOP_INSTANCE": str(folder),
        }
    )
    store = services(app).keystore
    store.generate(PASSPHRASE.encode())
    signer = store.signer(PASSPHRASE.encode())
    serializer = LabelSerializer(BASE_URL, store.keyring())
    with app.app_context():
        session = db.session()
        world = make_world(session)
        genuine, other, revoked = issue(session, world, signer, 3)
        revocations.revoke(
            session,
            actor="bench",
            target="label",
            ref={"serial": revoked.serial},
            reason="counterfeit",
            note="bench",
        )
        session.commit()
        return app, url_for_label(genuine, signer, serializer), str(other.serial)


def revoke(app: Any, serial: str) -> None:
    with app.app_context():
        session = db.session()
        revocations.revoke(
            session,
            actor="bench",
            target="label",
            ref={"serial": int(serial)},
            reason="recalled",
            note="bench",
        )
        session.commit()


def camera_round(page: Any) -> tuple[float, float]:
    page.evaluate("document.getElementById('result').replaceChildren()")
    page.click("#scan")
    page.wait_for_selector("#result .verdict-box[data-state=genuine]", timeout=30_000)
    return float(page.get_attribute("#result", "data-ms")), float(
        page.get_attribute("#result", "data-frame-ms")
    )


def paste_round(page: Any, code: str) -> float:
    page.evaluate("document.getElementById('result').replaceChildren()")
    page.fill("#qr", code)
    page.click("#paste button[type=submit]")
    page.wait_for_selector("#result .verdict-box[data-state=genuine]")
    return float(page.get_attribute("#result", "data-ms"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app, code, other = build(folder)
        counted = Counted(app.wsgi_app)
        app.wsgi_app = counted
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        video = write_y4m(label_image(code, 1), folder / "label.y4m")
        camera_args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=camera_args)
            pages = {}
            for name, script in (("wasm", NO_DETECTOR), ("native", POLYFILL_AS_NATIVE)):
                context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
                context.grant_permissions(["camera"])
                context.add_init_script(script)
                pages[name] = context.new_page()
            counted.take()
            first = pages["wasm"]
            first.goto(base + "/app/")
            first.wait_for_selector("body[data-ready=true]")
            first.evaluate("navigator.serviceWorker.ready")  # the shell is precached once this resolves
            report("First use (page, shell precache, key set, full list)", counted.take())
            first.reload()
            first.wait_for_selector("body[data-ready=true]")
            report("Later refresh, nothing changed (reload)", counted.take())
            revoke(app, other)
            first.click("#refresh")
            first.wait_for_selector("#lists[data-version='2']")
            report("Later refresh after one revocation (button)", counted.take())
            open_app(pages["native"], base)
            counted.take()
            rows = []
            for n in range(1, args.rounds + 1):
                wasm_total, wasm_frame = camera_round(pages["wasm"])
                native_total, native_frame = camera_round(pages["native"])
                pasted = paste_round(pages["wasm"], code)
                rows.append((wasm_total, native_total, pasted))
                print(
                    f"round {n:2}: wasm reader {wasm_total:6.1f} ms (frame read {wasm_frame:5.1f}), "
                    f"BarcodeDetector branch {native_total:6.1f} ms (frame read {native_frame:5.1f}), "
                    f"pasted text {pasted:5.1f} ms"
                )
            browser.close()
        server.shutdown()
    wasm, native, pasted = (statistics.median(col) for col in zip(*rows, strict=True))
    print(
        f"\nmedian frame to verdict: wasm reader {wasm:.1f} ms ({wasm / pasted:.1f}x pasted text), "
        f"BarcodeDetector branch {native:.1f} ms ({native / pasted:.1f}x), pasted text {pasted:.1f} ms"
    )


if __name__ == "__main__":
    main()

"""The offline app in real headless Chromium (issue 15): install criteria, every label-code
vector with WebCrypto and with the pure-JS fallback, the camera through Chromium's fake camera
playing a printed label (once through BarcodeDetector, once through the ZXing wasm reader)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.labels.vectors_gen import VECTORS
from tests.support.browser import CHROMIUM_ARGS, PHONE, LiveServer, chromium_path
from tests.support.codes import Codes
from tests.verify_web.offline_support import (
    NO_DETECTOR,
    POLYFILL_AS_NATIVE,
    label_image,
    open_app,
    write_y4m,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

RUN_VECTORS = """async ([vectors, force]) => {
  const m = await import("/static/verifier/labelcode.js");
  const { ed25519 } = await import("/app/static/app/crypto.js");
  const engine = await ed25519({ force });
  const out = [];
  for (const v of vectors) {
    const keys = await m.importKeySet(v.keys, { subtle: engine.subtle });
    const options = { today: v.today, ourBaseUrl: v.our_base_url, subtle: engine.subtle };
    const got = await m.verify(v.qr, keys, options);
    out.push({ steps: got.steps, status: got.status, reason: got.reason, warnings: got.warnings,
               payload: got.payload });
  }
  return [engine.engine, out];
}"""


def test_install_criteria(live_server: LiveServer, browser: Any, tmp_path: Path) -> None:
    """In a real (not incognito) profile Chromium finds nothing that stops installing the app."""
    # One Playwright per test session: its browser type launches a profile of its own.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=chromium_path(),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        is_mobile=True,
        locale="vi-VN",
    )
    page = context.new_page()
    open_app(page, live_server.url)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == live_server.url + "/app/"
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == live_server.url + "/app/sw.js"
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"] == live_server.url + "/app/manifest.webmanifest"
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    assert page.inner_text("header .brand") == "Kiểm tra tem OCOP ngoại tuyến"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


@pytest.mark.parametrize("force", [None, "noble"])
def test_every_vector_with_each_ed25519_engine(live_server: LiveServer, page: Any, force: str | None) -> None:
    page.goto(live_server.url + "/app/")
    files = sorted(p for p in VECTORS.glob("*.json") if p.name != "test-key.json")
    vectors = [json.loads(p.read_text("utf-8")) for p in files]
    engine, results = page.evaluate(RUN_VECTORS, [vectors, force])
    # This Chromium has WebCrypto Ed25519; "noble" is the fallback a browser without it gets.
    assert engine == (force or "webcrypto")
    assert len(results) == len(files) >= 78
    for path, vector, got in zip(files, vectors, results, strict=True):
        want = {k: vector["expected"][k] for k in ("steps", "status", "reason", "warnings")}
        want["payload"] = vector["expected"].get("payload")
        assert got == want, path.stem


@pytest.fixture
def camera_page(codes: Codes, browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A phone page in a Chromium whose camera plays a printed genuine label."""
    executable = chromium_path()
    assert executable is not None
    video = write_y4m(label_image(codes.genuine, codes.genuine_label.serial), tmp_path / "label.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera = browser.browser_type.launch(executable_path=executable, headless=True, args=args)
    context = camera.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    context.grant_permissions(["camera"])
    yield context.new_page()
    camera.close()


@pytest.mark.parametrize(("script", "reader"), [(POLYFILL_AS_NATIVE, "native"), (NO_DETECTOR, "wasm")])
def test_camera_reads_a_printed_label(
    live_server: LiveServer, camera_page: Any, script: str, reader: str
) -> None:
    page = camera_page
    requested: list[str] = []
    page.context.on("request", lambda r: requested.append(r.url))  # the page's and its worker's
    page.add_init_script(script)
    open_app(page, live_server.url)
    page.click("#scan")
    page.wait_for_selector("#result .verdict-box", timeout=30_000)
    assert page.get_attribute("#result", "data-reader") == reader
    assert page.get_attribute("#result .verdict-box", "data-state") == "genuine"
    assert page.get_attribute("#reader", "data-reader") == reader
    assert page.evaluate("document.getElementById('camera').srcObject") is None  # camera released
    assert requested and all(url.startswith(live_server.url + "/") for url in requested)  # nothing elsewhere
    assert (live_server.url + "/app/static/vendor/barcode-detector/zxing_reader.wasm") in requested
    print(
        f"camera {reader}: frame {page.get_attribute('#result', 'data-frame-ms')} ms, "
        f"frame to verdict {page.get_attribute('#result', 'data-ms')} ms"
    )

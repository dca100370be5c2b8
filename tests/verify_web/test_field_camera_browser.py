"""The inspector's field check with the camera, in real headless Chromium at 360 px: the camera
button reads a printed label through the offline app's scanner (Linux Chromium has no
BarcodeDetector, so the vendored ZXing WebAssembly reader) and the page ends on that code's
check; a refused or missing camera says so on the button; without JavaScript the form works as before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.support.browser import CHROMIUM_ARGS, PHONE, LiveServer, chromium_path, page_problems
from tests.support.codes import Codes
from tests.verify_web.offline_support import label_image, write_y4m
from tests.verify_web.staff import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

VENDOR = "/app/static/vendor/barcode-detector/"
# Counts, across the page's navigation, the camera tracks stopped (sessionStorage outlives the
# form post): the browser's own MediaStreamTrack, watched, not replaced.
COUNT_STOPS = """
const stop = MediaStreamTrack.prototype.stop;
MediaStreamTrack.prototype.stop = function () {
  sessionStorage.setItem("stops", String(Number(sessionStorage.getItem("stops") || 0) + 1));
  return stop.call(this);
};
"""


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


@pytest.fixture
def camera(codes: Codes, browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A 360 px phone page in a Chromium whose camera (allowed) plays a printed revoked label."""
    executable = chromium_path()
    assert executable is not None  # the browser fixture has required it
    video = write_y4m(label_image(codes.revoked, 2), tmp_path / "label.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    chromium = browser.browser_type.launch(executable_path=executable, headless=True, args=args)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    context.grant_permissions(["camera"])
    yield context.new_page()
    chromium.close()


def test_camera_reads_a_label_into_the_field_check(
    codes: Codes, app_session: Session, live_server: LiveServer, camera: Any
) -> None:
    page = camera
    make_user(app_session, "kiem", "inspector")
    requested: list[str] = []
    errors = page_problems(page)
    page.on("request", lambda r: requested.append(r.url))
    page.add_init_script(COUNT_STOPS)
    sign_in(page, live_server.url, "kiem")
    page.goto(live_server.url + "/inspect/check")
    # No BarcodeDetector of the browser's own here: the read below is the vendored ponyfill's.
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.is_visible("#camera-start") and page.is_visible("input[name=photo]")
    assert page.inner_text("#camera-start") == "Quét bằng máy ảnh"
    assert fits(page)
    assert not any(url.endswith(".wasm") for url in requested)  # loaded only when asked for
    started = time.perf_counter()
    page.click("#camera-start")
    result = page.wait_for_selector(".result", timeout=30_000)
    print(f"field check camera (wasm reader): press to check result {time.perf_counter() - started:.2f} s")
    # A revoked label: the check the camera posted is this code's, not any genuine answer.
    assert result.get_attribute("data-state") == "revoked"
    assert page.inner_text(".result h2.verdict") == "Tem đã bị thu hồi"
    assert page.input_value("textarea[name=text]") == codes.revoked  # the raw text, as pasted
    assert page.evaluate("Number(sessionStorage.getItem('stops'))") >= 1  # the camera was stopped
    assert live_server.url + "/app/static/app/scanner.js" in requested
    assert live_server.url + VENDOR + "ponyfill.js" in requested
    assert live_server.url + VENDOR + "zxing_reader.wasm" in requested
    assert all(url.startswith(live_server.url + "/") for url in requested)  # nothing elsewhere
    assert errors == []  # among them any CSP refusal of the WebAssembly compile
    assert fits(page)


@pytest.mark.parametrize(
    ("devices", "state", "says"),
    [
        # A camera, but this site is not allowed it (Playwright answers the prompt "no").
        (["--use-fake-device-for-media-stream"], "refused", "Máy ảnh chưa được cho phép"),
        ([], "absent", "Không tìm thấy máy ảnh"),  # this machine has no camera at all
    ],
)
def test_a_refused_or_missing_camera_says_so_and_the_photo_remains(
    app_session: Session, live_server: LiveServer, browser: Any, devices: list[str], state: str, says: str
) -> None:
    make_user(app_session, "kiem", "inspector")
    chromium = browser.browser_type.launch(
        executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, *devices]
    )
    try:
        page = chromium.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN").new_page()
        sign_in(page, live_server.url, "kiem")
        page.goto(live_server.url + "/inspect/check")
        page.click("#camera-start")
        page.wait_for_selector(f"#camera-start[data-camera={state}]")
        assert page.inner_text("#camera-start").startswith(says)
        assert page.is_hidden("#camera-view") and page.is_visible("input[name=photo]")
        assert fits(page)
    finally:
        chromium.close()


def test_a_reader_that_cannot_load_says_so_before_the_camera_opens(
    app_session: Session, live_server: LiveServer, page: Any
) -> None:
    make_user(app_session, "kiem", "inspector")
    page.route("**/zxing_reader.wasm", lambda route: route.abort())
    sign_in(page, live_server.url, "kiem")
    page.goto(live_server.url + "/inspect/check")
    page.click("#camera-start")
    page.wait_for_selector("#camera-start[data-camera=failed]")
    assert page.inner_text("#camera-start").startswith("Không mở được máy ảnh")
    assert page.is_hidden("#camera-view") and page.is_visible("input[name=photo]")


def test_the_field_check_works_without_javascript(
    codes: Codes, app_session: Session, live_server: LiveServer, browser: Any
) -> None:
    make_user(app_session, "kiem", "inspector")
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "kiem")
        page.goto(live_server.url + "/inspect/check")
        assert page.is_hidden("#camera-start")  # nothing that cannot work is offered
        page.fill("textarea[name=text]", codes.genuine)
        page.click("#check-form button[type=submit]")
        result = page.wait_for_selector(".result")
        assert result.get_attribute("data-state") == "genuine"
        assert page.inner_text(".result h2.verdict") == "Tem OCOP chính hãng"
        assert fits(page)
    finally:
        context.close()

"""The offline app in real headless Chromium (issue 15): install criteria, every label-code
vector with WebCrypto and with the pure-JS fallback, the camera through Chromium's fake camera
playing a printed label (once through BarcodeDetector, once through the ZXing wasm reader)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.labels.vectors_gen import VECTORS
from tests.support.browser import CHROMIUM_ARGS, PHONE, LiveServer, chromium_path
from tests.verify_web.conftest import Codes
from tests.verify_web.offline_support import check, label_image, open_app, write_y4m
from tests.verify_web.staff import PASSWORD, make_user
from traceability.models import Report
from traceability.services import revocations

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


# The barcode-detector polyfill as window.BarcodeDetector: Linux Chromium has no BarcodeDetector
# of its own, so this is how the app's "browser's own detector" branch is driven here (the same
# ZXing reader behind the standard API, installed before the page's scripts run).
POLYFILL_AS_NATIVE = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  constructor(options) {
    this.inner = import("/app/static/vendor/barcode-detector/ponyfill.js").then((m) => {
      const wasm = "/app/static/vendor/barcode-detector/zxing_reader.wasm";
      m.prepareZXingModule({ overrides: { locateFile: () => wasm } });
      return new m.BarcodeDetector(options);
    });
  }
  async detect(source) { return (await this.inner).detect(source); }
};
"""
NO_DETECTOR = "delete window.BarcodeDetector;"


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


def notices(page: Any) -> set[str]:
    return set(
        page.eval_on_selector_all("#result [data-notice]", "(all) => all.map((n) => n.dataset.notice)")
    )


def test_verdicts_with_the_network_cut(
    live_server: LiveServer, page: Any, codes: Codes, app_session: Session
) -> None:
    open_app(page, live_server.url)
    assert page.get_attribute("#lists", "data-version") is not None
    page.context.set_offline(True)
    page.reload()  # answered by the service worker alone
    page.wait_for_selector("body[data-ready=true]")
    assert "Không có mạng" in page.inner_text("#network")
    assert check(page, codes.genuine) == "genuine"
    assert "Sản phẩm OCOP chính hãng" in page.inner_text("#result h1")
    assert {"app.not_consulted", "app.no_names"} <= notices(page) and "app.stale" not in notices(page)
    assert "chưa tra cứu cơ sở dữ liệu" in page.inner_text("#result")
    assert check(page, codes.expired) == "expired"
    assert check(page, codes.revoked) == "revoked"
    assert "app.revoked_by_list" in notices(page) and "hàng giả" in page.inner_text("#result")
    assert check(page, codes.forged) == "invalid"
    lookalike = "https://xacthuc-ocop.vn/V/" + codes.genuine.rsplit("/", 1)[1]
    assert check(page, lookalike) == "foreign_domain"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button[data-lang=en]")
    page.wait_for_selector("#result .verdict-box[data-state=foreign_domain]")
    assert "opens another site" in page.inner_text("#result h1")
    # Revoked while the phone was offline: the network's return alone brings the new list.
    version = int(page.get_attribute("#lists", "data-version"))
    revocations.revoke(
        app_session, actor="test", target="label", ref={"serial": codes.genuine_label.serial}, reason="other"
    )
    app_session.commit()
    page.context.set_offline(False)
    page.wait_for_selector(f"#lists[data-version='{version + 1}']")
    assert check(page, codes.genuine) == "revoked"


HOUR_MS = 3600 * 1000


def test_stale_and_expired_lists_are_said_on_every_verdict(
    live_server: LiveServer, page: Any, codes: Codes
) -> None:
    open_app(page, live_server.url)
    refreshed_at = page.evaluate("Date.now()")
    page.context.set_offline(True)
    # 25 hours later, still offline: the lists are stale, not yet expired (48 h by default).
    page.clock.install(time=(refreshed_at + 25 * HOUR_MS) / 1000)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    for text, state in ((codes.genuine, "genuine"), (codes.forged, "invalid"), (codes.revoked, "revoked")):
        assert check(page, text) == state
        assert "app.stale" in notices(page), state
        assert page.get_attribute("#result .verdict-box", "data-stale") == "true"
        assert "cũ hơn 24 giờ" in page.inner_text("#result")
    assert check(page, codes.genuine) == "genuine"
    assert "app.list_expired" not in notices(page)
    # Past the list's next_update: "genuine" only with the warning, inside the verdict itself.
    page.clock.install(time=(refreshed_at + 49 * HOUR_MS) / 1000)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert check(page, codes.genuine) == "genuine"
    assert page.get_attribute("#result .verdict-box", "data-list-expired") == "true"
    box = page.inner_text("#result .verdict-box")
    assert "đã hết hạn" in box and box.index("Sản phẩm OCOP chính hãng") < box.index("đã hết hạn")
    assert check(page, codes.revoked) == "revoked"  # an expired list still revokes


def test_a_rolled_back_list_is_refused(
    live_server: LiveServer, browser: Any, codes: Codes, app_session: Session
) -> None:
    # Routing answers in the page, so no service worker may answer first.
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN", service_workers="block")
    page = context.new_page()
    page.goto(live_server.url + "/app/")
    page.wait_for_selector("body[data-ready=true]")
    old = page.evaluate("fetch('/api/v1/revocation-list').then((r) => r.text())")
    version = int(page.get_attribute("#lists", "data-version"))
    revocations.revoke(
        app_session,
        actor="test",
        target="label",
        ref={"serial": codes.claimable_label.serial},
        reason="recalled",
        note="test",
    )
    app_session.commit()
    page.click("#refresh")
    page.wait_for_selector(f"#lists[data-version='{version + 1}']")
    assert check(page, codes.claimable) == "revoked"
    # A replayed older list (a cache, a restore, an attacker) is refused; the newer one stays.
    page.route(
        "**/api/v1/revocation-list*",
        lambda route: route.fulfill(status=200, body=old, content_type="application/jose"),
    )
    page.click("#refresh")
    page.wait_for_selector("#refresh-note[data-reason=rolled_back]")
    assert f"phiên bản {version}" in page.inner_text("#refresh-note")
    assert page.get_attribute("#lists", "data-version") == str(version + 1)
    assert check(page, codes.claimable) == "revoked"
    context.close()


def reports_stored(session: Session) -> list[Report]:
    session.rollback()  # a fresh snapshot: the live server wrote in its own transaction
    return list(session.scalars(select(Report)))


def go_offline(page: Any) -> None:
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")


def test_a_report_made_offline_is_sent_once_back_online(
    live_server: LiveServer, page: Any, codes: Codes, app_session: Session
) -> None:
    open_app(page, live_server.url)
    go_offline(page)
    assert check(page, codes.forged) == "invalid"
    page.click("#report-box summary")
    page.fill("#report input[name=shop]", "Chợ Bưởi")
    page.fill("#report input[name=province]", "Hà Nội")
    page.fill("#report textarea[name=note]", "Tem in mờ, giá rẻ bất thường")
    page.click("#report button[type=submit]")
    page.wait_for_selector("#queue[data-waiting='1']")
    assert "Đang chờ gửi: 1." in page.inner_text("#queue")
    page.reload()  # still queued after the page (or the phone) restarts
    page.wait_for_selector("#queue[data-waiting='1']")
    assert reports_stored(app_session) == []
    page.context.set_offline(False)  # the "online" event sends the queue
    page.wait_for_selector("#queue[data-sent='1'][data-waiting='0']")
    (report,) = reports_stored(app_session)
    assert (report.shop, report.province, report.code_text) == ("Chợ Bưởi", "Hà Nội", codes.forged)
    # More "online" events, a reload, a second tab: nothing is sent again.
    page.evaluate("window.dispatchEvent(new Event('online')); window.dispatchEvent(new Event('online'))")
    second = page.context.new_page()
    second.goto(live_server.url + "/app/")
    second.wait_for_selector("body[data-ready=true]")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert len(reports_stored(app_session)) == 1
    assert page.get_attribute("#queue", "data-sent") == "1"


def test_an_inspectors_field_check_waits_for_the_network(
    live_server: LiveServer, page: Any, codes: Codes, app_session: Session
) -> None:
    make_user(app_session, "insp1", "inspector")
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "insp1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    open_app(page, live_server.url)
    go_offline(page)
    assert check(page, codes.revoked) == "revoked"
    page.click("#save-check")
    page.wait_for_selector("#queue[data-waiting='1']")
    page.context.set_offline(False)
    page.wait_for_selector("#queue[data-sent='1'][data-waiting='0']")
    answer = page.evaluate(
        """() => new Promise((resolve) => {
             const open = indexedDB.open("ocop-offline");
             open.onsuccess = () => {
               const get = open.result.transaction("outbox").objectStore("outbox").getAll();
               get.onsuccess = () => resolve(get.result.map((i) => [i.kind, i.status, i.answer]));
             };
           })"""
    )
    assert answer == [["check", 200, "revoked"]]  # the registry's own verdict, from /inspect/check


def test_a_report_whose_answer_was_lost_is_stored_once(
    live_server: LiveServer, browser: Any, codes: Codes, app_session: Session
) -> None:
    """The server stores the report but the phone never hears back: the app sends it again
    under the same Idempotency-Key, and the server stores nothing the second time."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN", service_workers="block")
    page = context.new_page()
    keys: list[str | None] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # reaches the server, which stores the report ...
            route.abort("connectionreset")  # ... but the answer is lost on the way back
        else:
            route.continue_()

    page.route("**/report", lose_first_answer)
    page.goto(live_server.url + "/app/")
    page.wait_for_selector("body[data-ready=true]")
    check(page, codes.forged)
    page.click("#report-box summary")
    page.fill("#report input[name=shop]", "Chợ Đồng Xuân")
    page.fill("#report input[name=province]", "Hà Nội")
    page.click("#report button[type=submit]")
    page.wait_for_selector("#queue[data-sent='1'][data-waiting='0']", timeout=20_000)
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0] is not None and len(keys[0]) == 36
    assert len(reports_stored(app_session)) == 1
    context.close()

"""What a shopper's phone shows: real headless Chromium at 360×740 opens each kind of code.
Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.support.browser import LiveServer
from tests.support.codes import Codes

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

EXPECTED = {
    "genuine": "Sản phẩm OCOP chính hãng",
    "expired": "Chứng nhận OCOP đã hết hạn",
    "revoked": "Tem đã bị thu hồi",
    "cloned": "Mã thật do hệ thống cấp, nhưng món hàng này có thể mang mã sao chép",
    "forged": "Không phải tem OCOP thật",
}
STATUS = {
    "genuine": "genuine",
    "expired": "expired",
    "revoked": "revoked",
    "cloned": "clone_suspected",
    "forged": "invalid",
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_verdict_page_on_a_phone(live_server: LiveServer, page: object, codes: Codes, kind: str) -> None:
    path = Codes.path(getattr(codes, kind))
    outside: list[str] = []
    page.on("request", lambda r: r.url.startswith(live_server.url) or outside.append(r.url))  # type: ignore[attr-defined]
    response = page.goto(live_server.url + path)  # type: ignore[attr-defined]
    assert response.status == 200
    heading = page.locator("h1.verdict")  # type: ignore[attr-defined]
    assert heading.get_attribute("data-status") == STATUS[kind]
    assert EXPECTED[kind] in page.inner_text("main")  # type: ignore[attr-defined]
    assert heading.is_visible()
    box = heading.bounding_box()
    assert box is not None and box["y"] < 200  # the verdict is the first thing on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # type: ignore[attr-defined]
    assert outside == []
    if kind == "cloned":  # no green headline above the warning
        assert "Sản phẩm OCOP chính hãng" not in page.inner_text("main")  # type: ignore[attr-defined]


def test_located_check_with_the_phones_permission(
    live_server: LiveServer, browser: object, codes: Codes
) -> None:
    """A phone that allowed this site sends its position; the page shows only the province."""
    from tests.support.browser import PHONE

    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=PHONE,
        is_mobile=True,
        locale="vi-VN",
        geolocation={"latitude": 16.06, "longitude": 108.21, "accuracy": 20},
        permissions=["geolocation"],
        # A phone's browser: a headless one is not counted as a person, so it gets no scan.
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/130 Mobile Safari/537.36",
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + Codes.path(codes.genuine))
        done = page.locator(".place-done")
        done.wait_for(state="visible", timeout=10_000)
        assert done.inner_text() == "Đã ghi nhận: Thành phố Đà Nẵng."
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.reload()
        assert "lần đầu được kiểm tra ngày" in page.inner_text(".history")
        assert "tại Thành phố Đà Nẵng" in page.inner_text(".history")
    finally:
        context.close()


def test_english_switch_in_browser(live_server: LiveServer, page: object, codes: Codes) -> None:
    page.goto(live_server.url + Codes.path(codes.revoked))  # type: ignore[attr-defined]
    page.click("a[lang=en]")  # type: ignore[attr-defined]
    assert page.inner_text("h1.verdict").strip() == "Label revoked"  # type: ignore[attr-defined]
    assert "counterfeit goods" in page.inner_text("main")  # type: ignore[attr-defined]


def test_short_code_form_without_javascript(live_server: LiveServer, browser: object, codes: Codes) -> None:
    from labels import short_code
    from tests.support.browser import PHONE

    context = browser.new_context(viewport=PHONE, java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.fill("#code", short_code(codes.genuine_label.serial))
        page.click("form.entry button")
        page.wait_for_selector("h1.verdict")
        assert page.inner_text("h1.verdict").strip() == "Sản phẩm OCOP chính hãng"
    finally:
        context.close()

"""Each role's main pages in real headless Chromium at desktop (1280 px) and phone (360 px)
width: Vietnamese labels, times on Việt Nam's clock, labels named as printed, charts drawn
with a legend and a table, and nothing wider than the screen.

With ``OCOP_SCREENSHOTS=docs/screenshots`` the dashboards are also saved there (the README's
pictures come from this run)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import short_code
from tests.support.codes import Codes
from tests.verify_web.staff import PASSWORD, make_office, make_user
from tests.verify_web.test_scan_page import get, verdict_of

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
WIDTHS = {"desktop": 1280, "phone": 360}


def open_as(browser: Any, url: str, username: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def fits(page: Any) -> bool:
    """True if the page scrolls no wider than the window (wide tables scroll inside)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def keep(page: Any, name: str) -> None:
    folder = os.environ.get("OCOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(WIDTHS))
def test_admin_pages(
    app_session: Session, app_signer: PrivateKey, live_server: Any, browser: Any, size: str
) -> None:
    office = make_office(app_session, app_signer)
    page = open_as(browser, live_server.url, "chanh", WIDTHS[size])
    try:
        assert page.url.endswith("/admin")
        assert page.inner_text("#fig-certified").split()[0] == "1"
        assert "tem đã cấp" in page.inner_text("#fig-labels")
        assert page.locator("#chart-verdicts .legend li").count() == 2
        assert "Tem OCOP chính hãng" in page.inner_text("#chart-verdicts .legend")
        assert fits(page)
        keep(page, f"admin-dashboard-{size}")
        page.goto(live_server.url + "/admin/audit")
        audit = page.inner_text("#audit")
        assert "Thu hồi tem" in audit and "revocation.create" not in audit
        page.goto(live_server.url + "/admin/revocations")
        history = page.inner_text("#revocations")
        assert f"Lô {office.world.lot.code}, tem số 4–5" in history
        assert fits(page)
        page.goto(live_server.url + f"/admin/registry/producers/{office.world.product.producer_id}")
        assert page.locator("text=Lưu xếp hạng").count() == 1
        assert fits(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_inspector_pages(
    app_session: Session, app_signer: PrivateKey, live_server: Any, browser: Any, size: str
) -> None:
    office = make_office(app_session, app_signer)
    page = open_as(browser, live_server.url, "kiem", WIDTHS[size])
    try:
        page.goto(live_server.url + "/inspect")
        assert "Lượt quét mỗi ngày" in page.inner_text("#chart-days figcaption")
        assert page.locator("#chart-verdicts rect.bar-invalid").count() == 1
        assert page.locator("#chart-areas rect.bar").count() == 4  # four provinces
        page.click("#chart-areas summary")
        assert "Cần Thơ" in page.inner_text("#chart-areas table")
        assert fits(page)
        keep(page, f"inspector-dashboard-{size}")
        page.goto(live_server.url + "/inspect/suspects")
        suspects = page.inner_text("#suspects")
        cloned = office.labels[0]
        assert short_code(cloned.serial) in suspects and str(cloned.serial) not in suspects
        page.goto(live_server.url + "/inspect/reports")
        assert "0912 345 678" in page.inner_text("main") and page.locator("button.confirm").count() == 1
        assert fits(page)
        page.goto(live_server.url + f"/inspect/suspects/{office.labels[1].id}")
        assert office.morning_local in page.inner_text("#timeline")
        assert fits(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_producer_pages(
    app_session: Session, app_signer: PrivateKey, live_server: Any, browser: Any, size: str
) -> None:
    office = make_office(app_session, app_signer)
    page = open_as(browser, live_server.url, "dongcao", WIDTHS[size])
    try:
        assert page.url.endswith("/producer")
        assert "Lượt quét mỗi ngày" in page.inner_text("main")
        assert fits(page)
        keep(page, f"producer-home-{size}")
        page.goto(live_server.url + f"/producer/lots/{office.world.lot.id}")
        table = page.inner_text("#labels")
        assert "Mã ngắn" in table and short_code(office.labels[0].serial) in table
        assert str(office.labels[0].serial) not in table
        assert fits(page)
        page.goto(live_server.url + "/producer/labels")
        assert page.locator("input[name=stock][value=custom]").count() >= 1
        assert fits(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_inspector_reviews_a_clone_suspect(
    app_session: Session, client: FlaskClient, codes: Codes, live_server: Any, browser: Any, size: str
) -> None:
    label_id = codes.cloned_label.id
    assert verdict_of(get(client, codes.cloned)) == "clone_suspected"
    make_user(app_session, "soat", "inspector")
    page = open_as(browser, live_server.url, "soat", WIDTHS[size])
    try:
        page.goto(live_server.url + f"/inspect/suspects/{label_id}")
        assert "nhiều mạng" in page.inner_text("#signals-now")
        assert page.locator("#review-form").is_visible() and fits(page)
        page.click("#review-form button[value=cleared]")
        assert page.url.endswith(f"/inspect/suspects/{label_id}")  # the browser asks for the note first
        page.fill("#review-form textarea[name=note]", "Đã gặp chủ hàng, tem thật")
        page.click("#review-form button[value=cleared]")
        page.wait_for_load_state()
        assert "reviewed=cleared" in page.url and page.locator("#review-form").count() == 0
        assert "báo nhầm" in page.inner_text("#review-state") and fits(page)
        keep(page, f"suspect-review-{size}")
    finally:
        page.context.close()

"""Staff flows in real headless Chromium: an admin revokes a code through the pages, an
inspector confirms a shopper's report, and a producer cannot reach another producer's data.

Here the result is checked with the one verification function,
:func:`usecases.verify.verify_scan`; tests/verify_web/test_cross_flows.py follows these flows
on to the public scan page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer
from tests.support.browser import page_problems
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import PASSWORD, add_report, make_user
from usecases.verify import Status, verify_scan
from verify_web.core.services import services

pytestmark = pytest.mark.browser


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def judge(app: Flask, session: Session, text: str) -> Any:
    session.expire_all()
    return verify_scan(
        text,
        keyring=services(app).keystore.keyring(),
        today=date.today(),
        session=session,
        our_base_url=BASE_URL,
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_admin_revokes_a_code_in_the_browser(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 2)[0]
    app_session.commit()
    make_user(app_session, "boss", "admin")
    text = url_for_label(label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring()))
    assert judge(app, app_session, text).status is Status.GENUINE
    sign_in(page, live_server.url, "boss")
    assert page.url.endswith("/admin")
    page.click("text=Thu hồi hoặc khôi phục tem")
    page.select_option("select[name=target]", "label")
    page.fill("textarea[name=value]", text)
    page.select_option("select[name=reason]", "counterfeit")
    page.fill("textarea[name=note]", "Hàng giả ở chợ Đồng Xuân")
    page.click("#revoke-form button[type=submit]")
    assert page.get_attribute("#affected", "data-count") == "1"
    assert "Thao tác này sẽ thu hồi 1 tem." in page.inner_text("#affected")
    page.click("#confirm")
    page.wait_for_selector("#done")
    assert "Hàng giả ở chợ Đồng Xuân" in page.inner_text("#revocations")
    verdict = judge(app, app_session, text)
    assert verdict.status is Status.REVOKED and verdict.reason == "counterfeit"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_inspector_confirms_a_report_in_the_browser(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    report_id = add_report(app_session, label, shop="Tạp hóa Minh", province="Quảng Ninh")
    make_user(app_session, "insp", "inspector")
    text = url_for_label(label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring()))
    sign_in(page, live_server.url, "insp")
    page.goto(live_server.url + "/inspect/reports")
    card = page.locator(f"#report-{report_id}")
    assert "Tạp hóa Minh" in card.inner_text()
    card.locator("button.confirm").click()
    page.wait_for_load_state()
    assert page.locator(f"#report-{report_id}").count() == 0  # gone from the open queue
    verdict = judge(app, app_session, text)
    assert verdict.status is Status.REVOKED and verdict.reason == "counterfeit"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_producer_cannot_see_another_producers_data(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    mine = make_world(app_session, name="Củ cải trắng")
    theirs = make_world(app_session, name="Rượu mơ Yên Tử")
    issue(app_session, mine, app_signer, 1)
    issue(app_session, theirs, app_signer, 1)
    app_session.commit()
    make_user(app_session, "dongcao", "producer", mine.product.producer_id)
    sign_in(page, live_server.url, "dongcao")
    assert page.url.endswith("/producer")
    body = page.inner_text("main")
    assert "Củ cải trắng" in body and "Rượu mơ Yên Tử" not in body
    response = page.goto(f"{live_server.url}/producer/lots/{theirs.lot.id}")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/admin/registry/producers/{theirs.product.producer_id}")
    assert response.status == 403
    assert "Rượu mơ Yên Tử" not in page.content()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_staff_pages_run_under_the_strict_csp(
    app: Flask, app_session: Session, live_server: Any, page: Any
) -> None:
    """No inline script or style is blocked, no script errors, and the camera script loads."""
    problems = page_problems(page)
    make_user(app_session, "boss", "admin")
    sign_in(page, live_server.url, "boss")
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url) if r.url.endswith("/camera.js") else None)
    for path in ("/admin", "/admin/revocations", "/inspect", "/inspect/check", "/admin/keys"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert loaded, "camera.js was not loaded"
    # The camera button is offered wherever the browser has a camera API, BarcodeDetector or not.
    page.goto(live_server.url + "/inspect/check")
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.evaluate("typeof navigator.mediaDevices?.getUserMedia") == "function"
    assert page.is_visible("#camera-start")
    assert problems == []

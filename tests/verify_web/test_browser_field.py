"""At 360 px in real headless Chromium (issue 9): a mistyped short code says "check what you
typed", and the inspector's field check heads a look-alike domain as a warning naming the one
genuine address. No page scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer, short_code
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import PASSWORD, make_user
from tests.verify_web.test_typo import mistype
from traceability.services import recent_scans, scans
from verify_web.core.services import services

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_typo_on_the_home_form(
    app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    page.goto(live_server.url + "/")
    no_sideways_scroll(page)
    assert "Mã:" in page.inner_text("#where-code")
    page.fill("#code", mistype(short_code(label.serial)))
    page.click("form.entry button[type=submit]")
    page.wait_for_selector("[data-state=mistyped]")
    headline = page.inner_text("h1.verdict")
    assert "Kiểm tra lại mã đã nhập" in headline
    body = page.inner_text("main")
    assert "Đừng trả tiền" not in body and "Không phải tem OCOP thật" not in body
    assert "xacthuc.ocop.vn" in page.inner_text("footer")
    no_sideways_scroll(page)
    # Typed again correctly, from the same page.
    page.fill("#code", short_code(label.serial))
    page.click("form.entry button[type=submit]")
    page.wait_for_selector("h1.verdict[data-status=genuine]")
    no_sideways_scroll(page)


def test_field_check_of_a_look_alike_domain(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    genuine, copied = issue(app_session, world, app_signer, 2)
    app_session.commit()
    for n in range(recent_scans.CLONE_SOURCES):  # through the real scan service, as the writer does
        scans.record_scan(
            app_session,
            serial=copied.serial,
            label_id=copied.id,
            verdict="genuine",
            channel="web",
            area=None,
            device="Android",
            source_hash=f"device-{n}",
        )
    app_session.commit()
    make_user(app_session, "insp", "inspector")
    serializer = LabelSerializer(BASE_URL, services(app).keystore.keyring())
    ours = url_for_label(genuine, app_signer, serializer)
    look_alike = ours.replace("XACTHUC.OCOP.VN", "OCOP-KIEMTRA.VN")
    sign_in(page, live_server.url, "insp")
    page.goto(live_server.url + "/inspect/check")
    no_sideways_scroll(page)
    page.fill("textarea[name=text]", look_alike)
    page.click("#check-form button[type=submit]")
    result = page.wait_for_selector(".result")
    assert result.get_attribute("data-state") == "foreign_domain"
    headline = page.inner_text(".result h2.verdict")
    assert "chính hãng" not in headline.lower() and "Cảnh báo" in headline
    assert "https://xacthuc.ocop.vn" in page.inner_text("#phishing")
    colour = page.eval_on_selector(".result h2.verdict", "e => getComputedStyle(e).color")
    assert colour == "rgb(164, 0, 0)"
    no_sideways_scroll(page)
    # A label with clone signals is not plain genuine either.
    page.fill("textarea[name=text]", url_for_label(copied, app_signer, serializer))
    page.click("#check-form button[type=submit]")
    page.wait_for_selector(".result[data-state=clone_suspected]")
    no_sideways_scroll(page)

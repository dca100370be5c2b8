"""Flows that cross the public scan page and the staff tools: what staff do shows on the page
a shopper's scan opens.

The public scan page shows ``<h1 class="verdict" data-status="revoked">`` with "Tem đã bị thu hồi".
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import add_report, make_user
from tests.verify_web.test_staff_browser import sign_in
from verify_web.core.services import services

pytestmark = pytest.mark.browser


def scan_path(text: str) -> str:
    """The path part of the label URL (/V/<digits>), to open it on the live test server."""
    return text[len(BASE_URL) :]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_admin_revokes_then_public_page_shows_revoked(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    make_user(app_session, "boss", "admin")
    text = url_for_label(
        label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    page.goto(live_server.url + scan_path(text))
    assert page.get_attribute("h1.verdict", "data-status") == "genuine"
    sign_in(page, live_server.url, "boss")
    page.goto(live_server.url + "/admin/revocations")
    page.select_option("select[name=target]", "label")
    page.fill("textarea[name=value]", text)
    page.select_option("select[name=reason]", "counterfeit")
    page.click("#revoke-form button[type=submit]")
    page.click("#confirm")
    page.wait_for_selector("#done")
    page.goto(live_server.url + scan_path(text))
    assert page.get_attribute("h1.verdict", "data-status") == "revoked"
    assert "Tem đã bị thu hồi" in page.inner_text("h1.verdict")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_inspector_confirms_report_then_public_page_shows_revoked(
    app: Flask, app_session: Session, app_signer: PrivateKey, live_server: Any, page: Any
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    report_id = add_report(app_session, label, shop="Tạp hóa Minh")
    make_user(app_session, "insp", "inspector")
    text = url_for_label(
        label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    sign_in(page, live_server.url, "insp")
    page.goto(live_server.url + "/inspect/reports")
    page.locator(f"#report-{report_id} button.confirm").click()
    page.wait_for_load_state()
    page.goto(live_server.url + scan_path(text))
    assert page.get_attribute("h1.verdict", "data-status") == "revoked"
    assert "Tem đã bị thu hồi" in page.inner_text("h1.verdict")

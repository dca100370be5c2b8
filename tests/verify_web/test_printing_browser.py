"""Printing from the browser in real headless Chromium: an admin fills the form, confirms the
plan and saves the downloaded PDF, whose labels decode and verify genuine; no CSP violation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.labels.decoding import decode_pdf
from tests.support.constants import BASE_URL
from tests.support.factories import make_world
from tests.verify_web.staff import PASSWORD, make_user
from usecases.verify import Status, verify_scan
from verify_web.core.services import services

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_admin_prints_a_pdf_in_the_browser(
    app: Flask, app_session: Session, live_server: Any, page: Any, tmp_path: Path
) -> None:
    world = make_world(app_session, name="Củ cải trắng")
    app_session.commit()
    make_user(app_session, "boss", "admin")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.click("nav >> text=In tem")
    assert page.url.endswith("/admin/labels")
    form = page.locator("#issue-form")
    form.locator("select[name=product]").select_option(str(world.product.id))
    form.locator("input[name=lot]").fill(world.lot.code)
    form.locator("input[name=count]").fill("3")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#plan").get_attribute("data-last") == "3"
    page.click("#confirm")
    page.wait_for_selector("#issued")
    assert "Đã cấp 3 tem, số 1–3 của lô" in page.inner_text("#issued")
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename.endswith("-1-3.pdf")
    pdf = tmp_path / "labels.pdf"
    download.save_as(str(pdf))
    texts = decode_pdf(pdf, tmp_path)
    assert len(texts) == 3
    keyring = services(app).keystore.keyring()
    app_session.expire_all()
    for text in texts:
        verdict = verify_scan(
            text, keyring=keyring, today=date.today(), session=app_session, our_base_url=BASE_URL
        )
        assert verdict.status is Status.GENUINE
    assert not [p for p in problems if "Content Security Policy" in p], problems

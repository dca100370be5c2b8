"""The offline app with the network cut, in real headless Chromium (issue 15): verdicts from the
stored lists, stale and expired lists said on every verdict, a rolled-back list refused, and the
queue of reports and field checks sent exactly once when the network is back."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer
from tests.support.browser import PHONE, LiveServer
from tests.support.codes import Codes
from tests.support.factories import make_world
from tests.verify_web.offline_support import check, open_app
from tests.verify_web.staff import PASSWORD, make_user
from traceability.models import Report
from traceability.services import corrections, lots, revocations
from usecases.issuance import issue, plan_issue
from verify_web.core.services import services

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


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
    # The box is redrawn in English; wait for that text, not for a box the old one satisfies.
    page.wait_for_selector("#result h1:has-text('opens another site')")
    assert page.get_attribute("#result .verdict-box", "data-state") == "foreign_domain"
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


def test_a_gs1_label_of_a_recalled_lot_is_revoked_offline(
    live_server: LiveServer, page: Any, app: Flask, app_session: Session, app_signer: PrivateKey
) -> None:
    # A GS1 Digital Link label carries its GTIN and lot code in its signed text, and the list's
    # lot entry carries them too (docs/revocation-list.md §3): no registry needed to match.
    world = make_world(app_session)
    corrections.update_product(
        app_session,
        actor="t",
        product_id=world.product.id,
        name="Mật ong",
        group="food",
        gtin="08938600000026",
        label_form="gs1",
    )
    other = lots.create_lot(
        app_session, actor="t", product_id=world.product.id, code="MV-2", produced_on=world.lot.produced_on
    )
    base = app.config["OCOP_BASE_URL"]
    serializer = LabelSerializer(base, services(app).keystore.keyring())

    def printed(lot_code: str) -> str:
        plan = plan_issue(
            app_session,
            product_id=world.product.id,
            lot_code=lot_code,
            count=1,
            today=world.certification.issued_on,
            base_url=base,
        )
        (label,) = issue(app_session, plan, key=app_signer, serializer=serializer, actor="t")
        return label.text

    recalled, kept = printed(world.lot.code), printed(other.code)
    assert "/01/08938600000026/10/" in recalled
    revocations.revoke(app_session, actor="t", target="lot", ref={"lot_id": world.lot.id}, reason="recalled")
    app_session.commit()
    open_app(page, live_server.url)
    page.context.set_offline(True)
    assert check(page, recalled) == "revoked"
    assert "app.revoked_by_list" in notices(page) and "app.unmatched" not in notices(page)
    assert check(page, kept) == "genuine"
    assert "app.unmatched" not in notices(page)  # the one lot entry could be checked for this label

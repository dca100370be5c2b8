"""A producer chooses its own products' label form (issue 14): ``POST
/producer/products/<id>/label-form``, scoped to the producer, CSRF-checked, audited, and the
next issue run uses the chosen form."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support.constants import BASE_URL
from tests.support.factories import World, make_world
from tests.verify_web.staff import PASSWORD, csrf, login, make_user
from traceability.enums import LabelForm
from traceability.models import AuditEntry, Product
from traceability.services.corrections import update_product
from traceability.validate import gtin_check_digit
from usecases import issuance

HONEY_GTIN = "08938600000026"


def _gtin(body: str) -> str:
    """A GTIN-14 with the right check digit after the 13 digits ``body``."""
    return body + str(gtin_check_digit(body))


def _fresh(session: Session) -> None:
    """Read what the requests committed: a new transaction, and no object kept from before (a
    rollback with no transaction open expires nothing)."""
    session.rollback()
    session.expire_all()


def _state(session: Session, product_id: int) -> tuple[str | None, LabelForm, int]:
    """(GTIN, label form, audit entries) as committed."""
    _fresh(session)
    product = session.get(Product, product_id)
    assert product is not None
    audits = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return product.gtin, product.label_form, audits


def _producer(
    app: Flask, session: Session, world: World, username: str = "dongcao"
) -> tuple[FlaskClient, str]:
    make_user(session, username, "producer", world.product.producer_id)
    client = app.test_client()
    return client, login(client, username)


def _choose(client: FlaskClient, token: str | None, product_id: int, **form: str) -> TestResponse:
    data = dict(form) | ({"csrf_token": token} if token else {})
    return client.post(f"/producer/products/{product_id}/label-form", data=data)


def _plan_has_link(session: Session, world: World) -> bool:
    _fresh(session)
    plan = issuance.plan_issue(
        session,
        product_id=world.product.id,
        lot_code=world.lot.code,
        count=1,
        today=world.certification.issued_on,
        base_url=BASE_URL,
    )
    return plan.link is not None


def test_switch_to_gs1_with_a_gtin_is_saved_audited_and_issued(app: Flask, app_session: Session) -> None:
    world = make_world(app_session, name="Mật ong rừng")
    app_session.commit()
    client, token = _producer(app, app_session, world)
    home = client.get("/producer").get_data(as_text=True)
    assert f'action="/producer/products/{world.product.id}/label-form"' in home
    assert 'name="gtin"' in home and "Mã OCOP (/V/)" in home and "chưa có" in home
    assert not _plan_has_link(app_session, world)
    before = _state(app_session, world.product.id)

    response = _choose(client, token, world.product.id, label_form="gs1", gtin="8938600000026")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/producer#product-{world.product.id}")
    assert _state(app_session, world.product.id) == (HONEY_GTIN, LabelForm.GS1, before[2] + 1)
    entry = app_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "product.update").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.actor == "dongcao" and entry.entity_id == str(world.product.id)
    assert entry.detail == {
        "gtin": {"from": None, "to": HONEY_GTIN},
        "label_form": {"from": "ocop", "to": "gs1"},
    }
    assert _plan_has_link(app_session, world)
    # The GTIN is now shown, not offered for editing.
    home = client.get("/producer").get_data(as_text=True)
    assert HONEY_GTIN in home and 'name="gtin"' not in home and "văn phòng điều phối" in home
    # Back to the /V/ form keeps the GTIN (the form sends none).
    assert _choose(client, token, world.product.id, label_form="ocop").status_code == 302
    assert _state(app_session, world.product.id)[:2] == (HONEY_GTIN, LabelForm.OCOP)
    assert not _plan_has_link(app_session, world)


def test_bad_check_digit_is_400_in_vietnamese_and_changes_nothing(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    client, token = _producer(app, app_session, world)
    before = _state(app_session, world.product.id)
    response = _choose(client, token, world.product.id, label_form="gs1", gtin="8938600000027")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Vui lòng kiểm tra “Mã GTIN”: chữ số kiểm tra không đúng" in page
    assert 'id="producer-name"' in page  # the portal itself, re-rendered with the message
    assert _state(app_session, world.product.id) == before == (None, LabelForm.OCOP, before[2])


def test_gs1_without_a_gtin_is_400(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    client, token = _producer(app, app_session, world)
    before = _state(app_session, world.product.id)
    response = _choose(client, token, world.product.id, label_form="gs1", gtin="  ")
    assert response.status_code == 400
    assert "mẫu tem GS1 Digital Link cần mã GTIN của sản phẩm" in response.get_data(as_text=True)
    assert _state(app_session, world.product.id) == before


def test_an_existing_gtin_cannot_be_changed_here(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    update_product(
        app_session,
        actor="office",
        product_id=world.product.id,
        name=world.product.name,
        group="food",
        gtin=HONEY_GTIN,
    )
    app_session.commit()
    client, token = _producer(app, app_session, world)
    before = _state(app_session, world.product.id)
    response = _choose(client, token, world.product.id, label_form="gs1", gtin=_gtin("893860000099"))
    assert response.status_code == 400
    assert "đề nghị văn phòng điều phối OCOP" in response.get_data(as_text=True)
    assert _state(app_session, world.product.id) == before == (HONEY_GTIN, LabelForm.OCOP, before[2])


def test_a_gtin_of_another_product_is_400(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    other = make_world(app_session, name="Rượu mơ")
    update_product(
        app_session,
        actor="office",
        product_id=other.product.id,
        name=other.product.name,
        group="food",
        gtin=HONEY_GTIN,
    )
    app_session.commit()
    client, token = _producer(app, app_session, world)
    before = _state(app_session, world.product.id)
    response = _choose(client, token, world.product.id, label_form="gs1", gtin=HONEY_GTIN)
    assert response.status_code == 400
    assert f"Không thể thực hiện: mã GTIN {HONEY_GTIN} đã được đăng ký" in response.get_data(as_text=True)
    assert _state(app_session, world.product.id) == before


def test_another_producers_product_is_404_and_unchanged(app: Flask, app_session: Session) -> None:
    mine = make_world(app_session)
    theirs = make_world(app_session, name="Rượu mơ Yên Tử")
    app_session.commit()
    client, token = _producer(app, app_session, mine)
    before = _state(app_session, theirs.product.id)
    assert _choose(client, token, theirs.product.id, label_form="gs1", gtin=HONEY_GTIN).status_code == 404
    assert _choose(client, token, 999999, label_form="ocop").status_code == 404
    assert _state(app_session, theirs.product.id) == before
    assert f"/producer/products/{theirs.product.id}/" not in client.get("/producer").get_data(as_text=True)


def test_other_roles_and_anonymous_are_refused(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    make_user(app_session, "chanh", "admin")
    make_user(app_session, "kiem", "inspector")
    before = _state(app_session, world.product.id)
    for username in ("chanh", "kiem"):
        client = app.test_client()
        token = login(client, username)
        assert _choose(client, token, world.product.id, label_form="gs1", gtin=HONEY_GTIN).status_code == 403
    anonymous = app.test_client()
    response = _choose(anonymous, csrf(anonymous), world.product.id, label_form="gs1", gtin=HONEY_GTIN)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _state(app_session, world.product.id) == before


def test_missing_csrf_token_is_refused(app: Flask, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    client, token = _producer(app, app_session, world)
    before = _state(app_session, world.product.id)
    response = _choose(client, None, world.product.id, label_form="gs1", gtin=HONEY_GTIN)
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    wrong = _choose(client, "x" * 43, world.product.id, label_form="gs1", gtin=HONEY_GTIN)
    assert wrong.status_code == 400
    assert _state(app_session, world.product.id) == before
    # The same form with the session's token goes through: the refusal was the token's.
    assert _choose(client, token, world.product.id, label_form="gs1", gtin=HONEY_GTIN).status_code == 302
    assert _state(app_session, world.product.id)[:2] == (HONEY_GTIN, LabelForm.GS1)


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_form_in_chromium_at_360_px(app_session: Session, live_server: Any, page: Any) -> None:
    """The page's own form (with its CSRF token) switches a product to GS1, on a phone."""
    world = make_world(app_session, name="Mật ong bạc hà")
    app_session.commit()
    make_user(app_session, "dongcao", "producer", world.product.producer_id)
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "dongcao")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/producer")
    card = page.locator(f"#product-{world.product.id}")
    assert "Mẫu tem: Mã OCOP (/V/)" in card.locator(".label-form").inner_text()
    card.locator("summary").click()
    card.locator("select[name=label_form]").select_option("gs1")
    card.locator("input[name=gtin]").fill("8938600000026")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    card.locator("button[type=submit]").click()
    page.wait_for_url(f"**/producer#product-{world.product.id}")
    card = page.locator(f"#product-{world.product.id}")
    assert card.locator(".label-form").inner_text() == f"Mẫu tem: GS1 Digital Link · Mã GTIN: {HONEY_GTIN}"
    assert card.locator("input[name=gtin]").count() == 0
    assert _state(app_session, world.product.id)[:2] == (HONEY_GTIN, LabelForm.GS1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

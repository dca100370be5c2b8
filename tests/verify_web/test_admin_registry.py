"""Admin registry forms, accounts, audit search and certification follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import issue, make_world
from tests.verify_web.staff import PASSWORD, add_scan, counts, login, make_user
from traceability.models import AuditEntry, Certification, Lot, LotEvent, Producer, Product, User
from traceability.services import certifications


@pytest.fixture
def admin(client: FlaskClient, app_session: Session) -> str:
    make_user(app_session, "boss", "admin")
    return login(client, "boss")


def rows(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Producer, Product, Certification, Lot, LotEvent, User)
    ) + counts(session)


def test_registry_flow(client: FlaskClient, app_session: Session, admin: str) -> None:
    response = client.post(
        "/admin/registry/producers",
        data={
            "legal_name": "HTX Dịch vụ tổng hợp Đông Cao",
            "kind": "cooperative",
            "commune": "xã Tráng Việt",
            "district": "huyện Mê Linh",
            "province": "Hà Nội",
            "tax_code": "0101234567",
            "csrf_token": admin,
        },
    )
    assert response.status_code == 302
    base = response.headers["Location"]
    assert (
        client.post(
            f"{base}/products", data={"name": "Củ cải trắng", "group": "food", "csrf_token": admin}
        ).status_code
        == 302
    )
    product_id = app_session.scalar(select(Product.id))
    assert (
        client.post(
            f"{base}/certifications",
            data={
                "product_id": product_id,
                "stars": "4",
                "number": "QĐ 1/QĐ-UBND",
                "issued_on": "2025-03-01",
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    cert = app_session.scalars(select(Certification)).one()
    assert cert.valid_until == date(2028, 3, 1) and cert.level.value == "province"
    # Re-rating adds a certification; history is kept.
    assert (
        client.post(
            f"{base}/certifications",
            data={
                "product_id": product_id,
                "stars": "5",
                "number": "QĐ 9/QĐ-TTg",
                "issued_on": "2026-01-10",
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/certifications/{cert.id}/withdraw",
            data={"reason": "Re-rated to 5 stars", "csrf_token": admin},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/lots",
            data={
                "product_id": product_id,
                "code": "L-2026-01",
                "produced_on": "2026-02-01",
                "best_before": "2026-08-01",
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    lot_id = app_session.scalar(select(Lot.id))
    assert (
        client.post(
            f"{base}/lots/{lot_id}/events",
            data={
                "kind": "harvested",
                "occurred_at": "2026-02-01T06:30",
                "place": "Mê Linh",
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    page = client.get(base).get_data(as_text=True)
    for text in ("Củ cải trắng", "QĐ 9/QĐ-TTg", "Re-rated to 5 stars", "L-2026-01", "Mê Linh"):
        assert text in page
    app_session.expire_all()
    assert app_session.scalar(select(func.count()).select_from(Certification)) == 2


BAD = [
    ("/admin/registry/producers", {"legal_name": "", "kind": "cooperative", "commune": "a", "province": "b"}),
    ("/admin/registry/producers", {"legal_name": "X", "kind": "alien", "commune": "a", "province": "b"}),
    (
        "/admin/registry/producers",
        {"legal_name": "X", "kind": "cooperative", "commune": "a", "province": "b", "tax_code": "12"},
    ),
    ("{base}/products", {"name": "X", "group": "weapons"}),
    ("{base}/products", {"name": "X", "group": "food", "gtin": "12345678"}),
    (
        "{base}/certifications",
        {"product_id": "{product}", "stars": "2", "number": "N", "issued_on": "2026-01-01"},
    ),
    (
        "{base}/certifications",
        {"product_id": "{product}", "stars": "4", "number": "N", "issued_on": "yesterday"},
    ),
    (
        "{base}/certifications",
        {"product_id": "{product}", "stars": "4", "number": "", "issued_on": "2026-01-01"},
    ),
    (
        "{base}/certifications",
        {"product_id": "{other_product}", "stars": "4", "number": "N", "issued_on": "2026-01-01"},
    ),
    ("{base}/certifications", {"product_id": "abc", "stars": "4", "number": "N", "issued_on": "2026-01-01"}),
    ("{base}/certifications/{cert}/withdraw", {"reason": ""}),
    ("{base}/certifications/99999/withdraw", {"reason": "x"}),
    ("{base}/lots", {"product_id": "{product}", "code": "{lot_code}", "produced_on": "2026-01-01"}),
    (
        "{base}/lots",
        {"product_id": "{product}", "code": "NEW", "produced_on": "2026-01-05", "best_before": "2026-01-01"},
    ),
    ("{base}/lots/{lot}/events", {"kind": "teleported", "occurred_at": "2026-01-01T10:00"}),
    ("{base}/lots/{lot}/events", {"kind": "packed", "occurred_at": "2999-01-01T10:00"}),
    ("{base}/lots/{lot}/events", {"kind": "packed", "occurred_at": "soon"}),
    ("{base}/lots/{other_lot}/events", {"kind": "packed", "occurred_at": "2026-01-01T10:00"}),
    ("{base}/edit", {"legal_name": "", "kind": "cooperative", "commune": "a", "province": "b"}),
    (
        "{base}/edit",
        {"legal_name": "X", "kind": "cooperative", "commune": "a", "province": "b", "tax_code": "0101234567"},
    ),
    ("{base}/products/{product}/edit", {"name": "X", "group": "weapons"}),
    ("{base}/products/{other_product}/edit", {"name": "X", "group": "food"}),
    ("/admin/users", {"username": "a b", "password": PASSWORD, "role": "inspector"}),
    ("/admin/users", {"username": "boss", "password": PASSWORD, "role": "inspector"}),
    ("/admin/users", {"username": "newone", "password": "short", "role": "inspector"}),
    ("/admin/users", {"username": "newone", "password": PASSWORD, "role": "emperor"}),
    ("/admin/users", {"username": "newone", "password": PASSWORD, "role": "producer"}),
    (
        "/admin/users",
        {"username": "newone", "password": PASSWORD, "role": "inspector", "producer": "{producer}"},
    ),
    ("/admin/users", {"username": "newone", "password": PASSWORD, "role": "producer", "producer": "99999"}),
]


@pytest.mark.parametrize(("path", "form"), BAD)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_input_changes_nothing(
    client: FlaskClient, app_session: Session, admin: str, path: str, form: dict[str, str]
) -> None:
    world, other = make_world(app_session), make_world(app_session)
    other.product.producer.tax_code = "0101234567"
    app_session.commit()
    values = {
        "base": f"/admin/registry/producers/{world.product.producer_id}",
        "product": str(world.product.id),
        "other_product": str(other.product.id),
        "cert": str(world.certification.id),
        "lot": str(world.lot.id),
        "other_lot": str(other.lot.id),
        "lot_code": world.lot.code,
        "producer": str(world.product.producer_id),
    }
    certifications.withdraw(
        app_session, actor="t", certification_id=world.certification.id, reason="x", on=date.today()
    ) if "{cert}" in path else None
    app_session.commit()
    before = rows(app_session)
    response = client.post(
        path.format(**values), data={k: v.format(**values) for k, v in form.items()} | {"csrf_token": admin}
    )
    assert response.status_code in (400, 404), response.status_code
    assert 'class="form-error"' in response.get_data(as_text=True)
    assert rows(app_session) == before


def test_accounts_page(client: FlaskClient, app_session: Session, admin: str) -> None:
    world = make_world(app_session)
    app_session.commit()
    assert (
        client.post(
            "/admin/users",
            data={
                "username": "dongcao",
                "password": PASSWORD,
                "role": "producer",
                "producer": str(world.product.producer_id),
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    user = app_session.scalars(select(User).where(User.username == "dongcao")).one()
    assert user.producer_id == world.product.producer_id and user.password_hash.startswith("scrypt$")
    assert (
        client.post(f"/admin/users/{user.id}/active", data={"active": "0", "csrf_token": admin}).status_code
        == 302
    )
    app_session.expire_all()
    assert app_session.get(User, user.id).active is False  # type: ignore[union-attr]
    me = app_session.scalar(select(User.id).where(User.username == "boss"))
    before = rows(app_session)
    assert (
        client.post(f"/admin/users/{me}/active", data={"active": "0", "csrf_token": admin}).status_code == 400
    )
    assert (
        client.post("/admin/users/99999/active", data={"active": "0", "csrf_token": admin}).status_code == 400
    )
    assert rows(app_session) == before


def test_audit_search(client: FlaskClient, app_session: Session, admin: str) -> None:
    make_world(app_session, name="Nước mắm sá sùng")
    make_world(app_session, name="Rượu mơ Yên Tử")
    app_session.commit()
    page = client.get("/admin/audit?q=sá sùng").get_data(as_text=True)
    # Actions and summaries are drawn in the reader's language from the entry's detail.
    assert "Đăng ký sản phẩm Nước mắm sá sùng của" in page and "Rượu mơ" not in page
    assert ">product.create<" not in page and "Registered product" not in page
    english = client.get("/admin/audit?q=sá sùng&lang=en").get_data(as_text=True)
    assert "Registered product Nước mắm sá sùng of" in english and "Product registered" in english
    by_entity = client.get("/admin/audit?entity=lot&lang=vi").get_data(as_text=True)
    assert 'data-action="lot.create"' in by_entity and 'data-action="product.create"' not in by_entity
    assert "Thêm lô" in by_entity
    assert "Không tìm thấy gì." in client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert client.get("/admin/audit?since=yesterday").status_code == 400


def test_follow_up_lists(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    today = datetime.now(UTC).date()
    ending = make_world(app_session, name="Sắp hết hạn", issued_on=today - timedelta(days=36 * 30))
    ended = make_world(app_session, name="Đã hết hạn", issued_on=today - timedelta(days=40 * 31))
    fresh = make_world(app_session, name="Còn lâu", issued_on=today - timedelta(days=10))
    label = issue(app_session, ended, app_signer, 1)[0]
    app_session.commit()
    add_scan(app_session, label)
    add_scan(app_session, label, source="s2")
    page = client.get("/admin/followup").get_data(as_text=True)
    expiring_part, ended_part = page.split('id="expiring"')[1].split('id="ended"')
    assert (
        "Sắp hết hạn" in expiring_part
        and "Còn lâu" not in expiring_part
        and "Đã hết hạn" not in expiring_part
    )
    assert "Đã hết hạn" in ended_part and "<td>2</td>" in ended_part
    assert ending.certification.valid_until >= today and fresh.certification.valid_until > today


def test_edit_producer_and_product(client: FlaskClient, app_session: Session, admin: str) -> None:
    world = make_world(app_session)
    app_session.commit()
    base = f"/admin/registry/producers/{world.product.producer_id}"
    form = {
        "legal_name": "HTX Đông Cao mới",
        "kind": "enterprise",
        "commune": "xã Tráng Việt",
        "province": "Thành phố Hà Nội",
        "csrf_token": admin,
    }
    assert client.post(f"{base}/edit", data=form).status_code == 302
    assert (
        client.post(
            f"{base}/products/{world.product.id}/edit",
            data={
                "name": "Củ cải trắng Mê Linh",
                "group": "food",
                "gtin": "8935049500018",
                "csrf_token": admin,
            },
        ).status_code
        == 302
    )
    app_session.expire_all()
    producer = app_session.get(Producer, world.product.producer_id)
    assert (
        producer is not None
        and producer.legal_name == "HTX Đông Cao mới"
        and producer.kind.value == "enterprise"
    )
    assert producer.district is None and producer.province == "Thành phố Hà Nội"
    product = app_session.get(Product, world.product.id)
    assert product is not None and product.name == "Củ cải trắng Mê Linh" and product.gtin == "08935049500018"
    entry = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "producer.update")).one()
    assert entry.detail["legal_name"]["to"] == "HTX Đông Cao mới" and entry.actor == "boss"
    page = client.get(base).get_data(as_text=True)
    assert 'value="HTX Đông Cao mới"' in page


def test_admin_sets_a_new_password(app: Flask, client: FlaskClient, app_session: Session, admin: str) -> None:
    uid = make_user(app_session, "insp", "inspector")
    theirs = app.test_client()
    login(theirs, "insp")
    before = rows(app_session)
    assert (
        client.post(
            f"/admin/users/{uid}/password", data={"password": "short", "csrf_token": admin}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/admin/users/99999/password", data={"password": "long enough!", "csrf_token": admin}
        ).status_code
        == 400
    )
    assert rows(app_session) == before
    assert (
        client.post(
            f"/admin/users/{uid}/password", data={"password": "a brand new password", "csrf_token": admin}
        ).status_code
        == 302
    )
    assert theirs.get("/inspect").status_code == 302  # their old session ended
    login(app.test_client(), "insp", "a brand new password")

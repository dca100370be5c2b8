"""Script payloads typed into every text field come back escaped on every page that shows them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import issue, make_world
from tests.verify_web.staff import add_report, add_scan, csrf, login, make_user
from traceability.models import Lot, Producer, Product

PAYLOAD = '<script>alert("x")</script>'
ATTR = '"><img src=x onerror=alert(1)>'


def assert_escaped(html: str, where: str) -> None:
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_payloads_escaped_everywhere(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey
) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    text = PAYLOAD + ATTR
    # Registry forms: every free-text field carries the payload.
    assert (
        client.post(
            "/admin/registry/producers",
            data={
                "legal_name": text,
                "kind": "cooperative",
                "commune": text,
                "district": text,
                "province": text,
                "contact": text,
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    producer_id = app_session.scalar(select(Producer.id).where(Producer.legal_name.like("%script%")))
    assert producer_id is not None
    base = f"/admin/registry/producers/{producer_id}"
    assert (
        client.post(f"{base}/products", data={"name": text, "group": "food", "csrf_token": token}).status_code
        == 302
    )
    product_id = app_session.scalar(select(Product.id).where(Product.producer_id == producer_id))
    assert (
        client.post(
            f"{base}/certifications",
            data={
                "product_id": product_id,
                "stars": "4",
                "number": text,
                "issued_on": "2026-01-05",
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/lots",
            data={
                "product_id": product_id,
                "code": text[:40],
                "produced_on": "2026-02-01",
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    lot_id = app_session.scalar(select(Lot.id).where(Lot.product_id == product_id))
    assert (
        client.post(
            f"{base}/lots/{lot_id}/events",
            data={
                "kind": "packed",
                "occurred_at": "2026-02-02T08:00",
                "place": text,
                "note": text,
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    # Other people's text: reports and scans written by the public site.
    world = make_world(app_session, name=text)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    add_report(app_session, label, shop=text, province=text, note=text, code_text=text)
    for i in range(5):
        add_scan(app_session, label, area=f"{text}{i}", source=f"s{i}")
    # A revocation note, a reinstate note, a case reference and a dismissal note.
    assert (
        client.post(
            "/admin/revocations",
            data={
                "target": "label",
                "value": str(label.serial),
                "reason": "other",
                "note": text,
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    pages = [
        "/admin/registry",
        base,
        "/admin/revocations",
        "/admin/audit",
        f"/admin/audit?q={PAYLOAD}",
        "/inspect/reports?status=all",
        "/inspect/suspects",
        f"/inspect/suspects/{label.id}",
        "/inspect",
        "/admin/followup",
        "/admin/users",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert_escaped(html, path)
    # At least the main pages do show the (escaped) text.
    assert "&lt;script&gt;alert(" in client.get(base).get_data(as_text=True)
    assert "&lt;script&gt;alert(" in client.get("/inspect/reports?status=all").get_data(as_text=True)
    # Bad form input echoed back is escaped too.
    echoed = client.post(
        "/admin/revocations/preview",
        data={"target": "label", "value": text, "reason": "other", "note": text, "csrf_token": token},
    )
    assert echoed.status_code == 400
    assert_escaped(echoed.get_data(as_text=True), "preview error")
    checked = client.post("/inspect/check", data={"text": text, "csrf_token": token}).get_data(as_text=True)
    assert_escaped(checked, "field check")
    login_page = app.test_client()
    t = csrf(login_page)
    bad = login_page.post("/login", data={"username": ATTR, "password": "x", "csrf_token": t}).get_data(
        as_text=True
    )
    assert_escaped(bad, "login")

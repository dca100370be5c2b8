"""Partners' tokens on ``/admin/partners`` (admins, CSRF, Vietnamese) and ``ocop partners``:
shown once, stored hashed, revocable, audited; a token made either way is accepted by capture
and refused once revoked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factories import World, make_world
from tests.verify_web.staff import csrf, login, make_user
from traceability.models import AuditEntry, Partner
from traceability.services import partners


def _capture(client: FlaskClient, token: str, world: World):  # type: ignore[no-untyped-def]
    event = {
        "type": "ObjectEvent",
        "eventTime": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "quantityList": [{"epcClass": f"https://xacthuc.ocop.vn/epcis/lots/{world.lot.id}"}],
    }
    body = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(),
        "epcisBody": {"eventList": [event]},
    }
    return client.post(
        "/epcis/capture",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/json",
    )


def _admin(client: FlaskClient, session: Session) -> str:
    make_user(session, "chanh", "admin")
    return login(client, "chanh")


def test_admin_adds_sees_the_token_once_and_revokes(client: FlaskClient, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    token = _admin(client, app_session)
    page = client.get("/admin/partners")
    assert page.status_code == 200 and "Đối tác EPCIS" in page.get_data(as_text=True)
    added = client.post(
        "/admin/partners",
        data={"csrf_token": token, "name": "Kho lạnh Hà Nội", "producer_id": str(world.product.producer_id)},
    )
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    html = added.get_data(as_text=True)
    assert "chỉ hiện một lần này" in html
    secret = html.split("<code>ocop_", 1)[1].split("</code>", 1)[0]
    secret = "ocop_" + secret
    app_session.expire_all()
    partner = app_session.scalars(select(Partner)).one()
    assert partner.token_hash == partners.token_hash(secret) and secret not in partner.token_hash
    assert secret not in client.get("/admin/partners").get_data(as_text=True)
    assert _capture(client, secret, world).status_code == 202
    revoked = client.post(f"/admin/partners/{partner.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert _capture(client, secret, world).status_code == 401
    actions = app_session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "partner")).all()
    assert {"partner.create", "partner.revoke", "epcis.capture"} <= set(actions)
    assert not any(secret in str(e.detail) for e in app_session.scalars(select(AuditEntry)))


def test_admin_form_errors_are_400_in_vietnamese(client: FlaskClient, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    token = _admin(client, app_session)
    producer = str(world.product.producer_id)
    assert (
        client.post(
            "/admin/partners", data={"csrf_token": token, "name": "", "producer_id": producer}
        ).status_code
        == 400
    )
    client.post("/admin/partners", data={"csrf_token": token, "name": "A", "producer_id": producer})
    twice = client.post("/admin/partners", data={"csrf_token": token, "name": "A", "producer_id": producer})
    assert twice.status_code == 400 and "đã có đối tác tên A" in twice.get_data(as_text=True)
    assert (
        client.post("/admin/partners", data={"name": "B", "producer_id": producer}).status_code == 400
    )  # no CSRF
    assert (
        client.post(
            "/admin/partners", data={"csrf_token": token, "name": "C", "producer_id": "999999"}
        ).status_code
        == 400
    )
    assert client.post("/admin/partners/999/revoke", data={"csrf_token": token}).status_code == 400


def test_only_admins(client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "kiem", "inspector")
    login(client, "kiem")
    assert client.get("/admin/partners").status_code == 403
    anonymous = FlaskClient(client.application)
    assert anonymous.get("/admin/partners").status_code == 302
    assert csrf(anonymous)


def test_cli_add_list_revoke(runner: FlaskCliRunner, client: FlaskClient, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    added = runner.invoke(
        args=["partners", "add", "--name", "HTX Vận tải", "--producer", str(world.product.producer_id)]
    )
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    assert secret.startswith("ocop_") and len(secret) > 40
    listed = runner.invoke(args=["partners", "list"])
    assert "HTX Vận tải" in listed.output and secret not in listed.output and "active" in listed.output
    assert _capture(client, secret, world).status_code == 202
    partner_id = app_session.scalars(select(Partner.id)).one()
    assert runner.invoke(args=["partners", "revoke", str(partner_id)]).exit_code == 0
    assert _capture(client, secret, world).status_code == 401
    again = runner.invoke(args=["partners", "revoke", str(partner_id)])
    assert again.exit_code != 0 and "already revoked" in again.output
    missing = runner.invoke(args=["partners", "add", "--name", "X", "--producer", "999999"])
    assert missing.exit_code != 0 and "not found" in missing.output and "Traceback" not in missing.output

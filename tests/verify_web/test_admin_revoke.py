"""Admin revocations through the pages: preview count, confirm, the verdict afterwards, reinstate,
and bad input that changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer, short_code
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import counts, login, make_user
from traceability.models import AuditEntry, Label, Revocation
from usecases.verify import Status, verify_scan
from verify_web.core.services import services


@pytest.fixture
def admin(client: FlaskClient, app_session: Session) -> str:
    make_user(app_session, "boss", "admin")
    return login(client, "boss")


def verdict(app: Flask, session: Session, text: str) -> Status:
    session.expire_all()
    keyring = services(app).keystore.keyring()
    return verify_scan(
        text, keyring=keyring, today=date.today(), session=session, our_base_url=BASE_URL
    ).status


def test_revoke_one_code_by_qr_text(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 3)
    app_session.commit()
    serializer = LabelSerializer(BASE_URL, services(app).keystore.keyring())
    text = url_for_label(labels[1], app_signer, serializer)
    assert verdict(app, app_session, text) is Status.GENUINE
    form = {
        "target": "label",
        "value": text,
        "reason": "counterfeit",
        "note": "Found at Chợ Đồng Xuân",
        "csrf_token": admin,
    }
    preview = client.post("/admin/revocations/preview", data=form)
    assert preview.status_code == 200
    assert 'data-count="1"' in preview.get_data(as_text=True)
    assert "Thao tác này sẽ thu hồi 1 tem." in preview.get_data(as_text=True)
    assert app_session.scalar(select(Revocation.id)) is None  # the preview changed nothing
    done = client.post("/admin/revocations", data=form)
    assert done.status_code == 302
    assert verdict(app, app_session, text) is Status.REVOKED
    assert verdict(app, app_session, url_for_label(labels[0], app_signer, serializer)) is Status.GENUINE
    entry = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "revocation.create")).one()
    assert entry.actor == "boss" and "counterfeit" in entry.summary
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Found at Chợ Đồng Xuân" in listing and 'id="done"' in listing


def test_revoke_by_short_code_serial_and_range(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 10)
    app_session.commit()
    for value in (short_code(labels[0].serial), str(labels[1].serial)):
        form = {"target": "label", "value": value, "reason": "damaged_or_lost", "csrf_token": admin}
        assert client.post("/admin/revocations", data=form).status_code == 302
    form = {"target": "range", "value": f"{world.lot.id}:3-6", "reason": "recalled", "csrf_token": admin}
    assert 'data-count="4"' in client.post("/admin/revocations/preview", data=form).get_data(as_text=True)
    assert client.post("/admin/revocations", data=form).status_code == 302
    app_session.expire_all()
    statuses = [s.value for s in app_session.scalars(select(Label.status).order_by(Label.number))]
    assert statuses == ["revoked"] * 6 + ["active"] * 4


def test_revoke_lot_then_reinstate(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 5)
    app_session.commit()
    form = {"target": "lot", "value": str(world.lot.id), "reason": "recalled", "csrf_token": admin}
    assert client.post("/admin/revocations", data=form).status_code == 302
    revocation = app_session.scalars(select(Revocation)).one()
    assert revocation.label_count == 5
    before = counts(app_session)
    no_note = client.post(
        f"/admin/revocations/{revocation.id}/reinstate", data={"note": " ", "csrf_token": admin}
    )
    assert no_note.status_code == 400
    assert counts(app_session) == before
    ok = client.post(
        f"/admin/revocations/{revocation.id}/reinstate", data={"note": "Wrong lot typed", "csrf_token": admin}
    )
    assert ok.status_code == 302
    app_session.expire_all()
    assert {s.value for s in app_session.scalars(select(Label.status))} == {"active"}
    again = client.post(
        f"/admin/revocations/{revocation.id}/reinstate", data={"note": "x", "csrf_token": admin}
    )
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("target", "value", "reason"),
    [
        ("label", "", "counterfeit"),
        ("label", "HTTPS://XACTHUC.OCOP.VN/V/123", "counterfeit"),
        ("label", "not-a-code", "counterfeit"),
        ("label", "12345", "counterfeit"),  # no such serial
        ("range", "1:5-2", "recalled"),
        ("range", "abc", "recalled"),
        ("lot", "0", "recalled"),
        ("lot", "99999", "recalled"),
        ("product", "-1", "recalled"),
        ("producer", "1e3", "recalled"),
        ("key", "whatever", "key_compromised"),
        ("nonsense", "1", "recalled"),
        ("lot", "1", "no-such-reason"),
        ("lot", "1", "key_compromised"),
    ],
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_revocation_input_changes_nothing(
    client: FlaskClient,
    app_session: Session,
    app_signer: PrivateKey,
    admin: str,
    target: str,
    value: str,
    reason: str,
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 2)
    app_session.commit()
    before = counts(app_session)
    form = {"target": target, "value": value, "reason": reason, "csrf_token": admin}
    for path in ("/admin/revocations/preview", "/admin/revocations"):
        response = client.post(path, data=form)
        assert response.status_code == 400, (path, target, value)
        assert 'class="form-error"' in response.get_data(as_text=True)
    assert counts(app_session) == before


def test_compromise_key_states_count_and_revokes(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 4)
    app_session.commit()
    page = client.get(f"/admin/keys/{app_signer.kid}/compromise").get_data(as_text=True)
    assert 'data-count="4"' in page
    assert (
        client.post(
            f"/admin/keys/{app_signer.kid}/compromise", data={"note": "Laptop stolen", "csrf_token": admin}
        ).status_code
        == 302
    )
    serializer = LabelSerializer(BASE_URL, services(app).keystore.keyring())
    assert verdict(app, app_session, url_for_label(labels[0], app_signer, serializer)) is Status.REVOKED
    revocation = app_session.scalars(select(Revocation)).one()
    assert revocation.label_count == 4 and revocation.reason.value == "key_compromised"
    # A compromised key's revocation cannot be reinstated.
    assert (
        client.post(
            f"/admin/revocations/{revocation.id}/reinstate", data={"note": "oops", "csrf_token": admin}
        ).status_code
        == 400
    )
    # Marking it twice is refused and changes nothing.
    before = counts(app_session)
    assert (
        client.post(f"/admin/keys/{app_signer.kid}/compromise", data={"csrf_token": admin}).status_code == 400
    )
    assert counts(app_session) == before


def test_rotate_and_retire_keys(app: Flask, client: FlaskClient, app_signer: PrivateKey, admin: str) -> None:
    assert client.post("/admin/keys/rotate", data={"csrf_token": admin}).status_code == 302
    keyring = services(app).keystore.keyring()
    assert len(keyring) == 2 and keyring.get(app_signer.kid).status.value == "retired"
    assert client.post(f"/admin/keys/{app_signer.kid}/retire", data={"csrf_token": admin}).status_code == 400
    assert client.post("/admin/keys/nokey/retire", data={"csrf_token": admin}).status_code == 400
    assert client.get("/admin/keys/nokey/compromise").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unreadable_key_set_is_a_clear_page(
    app: Flask, client: FlaskClient, app_signer: PrivateKey, admin: str
) -> None:
    keyring_path = services(app).keystore.keyring_path
    keyring_path.write_text("{not json", "utf-8")
    for path in ("/admin/keys", f"/admin/keys/{app_signer.kid}/compromise"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert 'class="form-error"' in response.get_data(as_text=True)
    assert (
        client.post(f"/admin/keys/{app_signer.kid}/compromise", data={"csrf_token": admin}).status_code == 404
    )
    form = {"target": "lot", "value": "1", "reason": "recalled", "csrf_token": admin}
    assert client.post("/admin/revocations/preview", data=form).status_code == 503
    assert client.post("/inspect/check", data={"text": "123", "csrf_token": admin}).status_code == 503


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_staff_pages_in_english(client: FlaskClient, admin: str) -> None:
    page = client.get("/admin/revocations?lang=en").get_data(as_text=True)
    assert "Revoke labels" in page and "What to revoke" in page and "Thu hồi tem" not in page
    page = client.get("/admin/revocations").get_data(as_text=True)  # the choice sticks in the cookie
    assert "Check how many labels" in page

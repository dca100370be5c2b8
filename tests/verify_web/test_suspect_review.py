"""An inspector reviews a clone suspect: cleared (false alarm) or confirmed copy, on SQLite and
PostgreSQL, through the real forms, roles and CSRF."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from tests.verify_web.staff import login, make_user
from tests.verify_web.test_scan_page import get, verdict_of
from traceability.models import AuditEntry, Label
from traceability.services import clones


def review(client: FlaskClient, label_id: int, token: str, outcome: str, note: str = "Đã kiểm tra cửa hàng"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/inspect/suspects/{label_id}/review", data={"outcome": outcome, "note": note, "csrf_token": token}
    )


def test_cleared_stops_the_warning_until_a_new_signal(
    client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    label_id = codes.cloned_label.id
    assert verdict_of(get(client, codes.cloned)) == "clone_suspected"
    make_user(app_session, "insp", "inspector")
    token = login(client, "insp")
    page = client.get(f"/inspect/suspects/{label_id}").get_data(as_text=True)
    assert 'id="review-form"' in page and "nhiều mạng" in page
    response = review(client, label_id, token, "cleared")
    assert response.status_code == 302 and response.headers["Location"].endswith("reviewed=cleared")
    page = client.get(f"/inspect/suspects/{label_id}").get_data(as_text=True)
    assert 'id="review-state"' in page and 'id="review-form"' not in page
    assert "đã xác định báo nhầm" in client.get("/inspect/suspects").get_data(as_text=True)
    entry = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "label.clone_cleared")).one()
    assert entry.actor == "insp" and entry.detail["note"] == "Đã kiểm tra cửa hàng"
    assert "many_sources" in entry.detail["signals"]
    # The shopper's page and the API no longer warn: the old checks no longer count.
    assert verdict_of(get(client, codes.cloned)) == "genuine"
    api = client.get(f"/api/v1/verify/{Codes.path(codes.cloned)[3:]}").get_json()
    assert api["state"] == "genuine"
    # New checks after the clearing fire a signal again: two networks so far (the page's and
    # the API's), four more make clones.BURST_MONTH_SOURCES within two days.
    assert clones.BURST_MONTH_SOURCES == 6
    for n in range(4):
        assert verdict_of(get(client, codes.cloned, ip=f"198.51.100.{n}")) == "genuine"
    assert verdict_of(get(client, codes.cloned, ip="198.51.100.200")) == "clone_suspected"
    page = client.get(f"/inspect/suspects/{label_id}").get_data(as_text=True)
    assert "trong vòng hai ngày" in page and 'id="review-form"' in page


def test_confirmed_goes_on_to_revocation(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    label = codes.cloned_label
    make_user(app_session, "insp", "inspector")
    token = login(client, "insp")
    response = review(client, label.id, token, "confirmed")
    assert response.status_code == 302 and response.headers["Location"].endswith("reviewed=confirmed")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã xác nhận là mã sao chép" in page
    assert "Thu hồi vì hàng giả" in page
    assert verdict_of(get(client, codes.cloned)) == "clone_suspected"  # the warning stays
    assert app_session.scalar(select(Label.clone_review).where(Label.id == label.id)) == "confirmed"
    client.post("/logout", data={"csrf_token": token})
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    app_session.execute(Label.__table__.update().where(Label.id == label.id).values(clone_review=None))
    app_session.commit()
    response = review(client, label.id, token, "confirmed")
    # An admin goes to the revocation form for this label, with its preview of what is hit.
    assert response.status_code == 302
    assert f"/admin/revocations?target=label&value={label.serial}" in response.headers["Location"]


def test_bad_reviews_are_refused(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    cloned, plain = codes.cloned_label.id, codes.genuine_label.id
    make_user(app_session, "maker", "producer", producer_id=codes.genuine_label.lot.product.producer_id)
    token = login(client, "maker")
    assert review(client, cloned, token, "cleared").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    make_user(app_session, "insp", "inspector")
    token = login(client, "insp")
    assert review(client, cloned, "wrong-token", "cleared").status_code == 400  # CSRF
    assert review(client, cloned, token, "cleared", note=" ").status_code == 400
    assert review(client, cloned, token, "forgiven").status_code == 400
    refused = review(client, plain, token, "cleared")  # no signal shows: nothing to review
    assert refused.status_code == 400 and "không có tín hiệu" in refused.get_data(as_text=True)
    assert review(client, 2**31 - 1, token, "cleared").status_code == 404
    assert review(client, 99999999999999999999, token, "cleared").status_code == 404
    assert app_session.scalar(select(Label.clone_review).where(Label.id == cloned)) is None
    assert not app_session.scalars(select(AuditEntry).where(AuditEntry.entity == "label")).all()

"""Offline queues replay their requests (docs/revocation-list.md §11): a shopper's report sent
again with the same ``Idempotency-Key`` (header or form field) is stored once, photo included,
and costs no second rate-limit hit; CSRF and roles still apply; a bad key is a clear 400."""

from __future__ import annotations

import re
import threading
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.verify_web.staff import login, make_user
from tests.verify_web.test_reports import form, png
from traceability.models import RateHit, Report
from traceability.services import reports
from verify_web.core.services import services


def _reports(session: Session) -> list[Report]:
    session.expire_all()
    return list(session.scalars(select(Report).order_by(Report.id)))


def _case_number(page: str) -> str:
    match = re.search(r"\d+", page.split("<h1>", 1)[1])
    assert match
    return match.group(0)


def test_replayed_report_is_stored_once(app: Flask, client: FlaskClient, app_session: Session) -> None:
    key = str(uuid.uuid4())
    answers = []
    for _ in range(3):
        data = form(client, photo=(BytesIO(png()), "stall.png"))
        answers.append(
            client.post(
                "/report", data=data, headers={"Idempotency-Key": key}, content_type="multipart/form-data"
            )
        )
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "Idempotent-Replayed" not in answers[0].headers
    assert [a.headers.get("Idempotent-Replayed") for a in answers[1:]] == ["true", "true"]
    pages = [a.get_data(as_text=True) for a in answers]
    assert len({_case_number(p) for p in pages}) == 1  # the same case number each time
    (report,) = _reports(app_session)
    assert report.idempotency_key == key
    assert len(list(Path(app.config["OCOP_UPLOAD_DIR"]).iterdir())) == 1  # one photo, not three
    assert app_session.scalar(select(func.count()).select_from(RateHit)) == 1


def test_form_field_key_and_case_are_one_key(client: FlaskClient, app_session: Session) -> None:
    key = str(uuid.uuid4())
    client.post("/report", data=form(client, idempotency_key=key))
    client.post("/report", data=form(client, idempotency_key=key.upper()))
    client.post("/report", data=form(client))  # without a key: a new report each time, as before
    client.post("/report", data=form(client))
    assert [r.idempotency_key for r in _reports(app_session)] == [key, None, None]


def test_the_form_carries_a_fresh_key_so_a_double_send_stores_once(
    client: FlaskClient, app_session: Session
) -> None:
    page = client.get("/report").get_data(as_text=True)
    match = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page)
    assert match
    assert match.group(1) not in client.get("/report").get_data(as_text=True)
    data = form(client, idempotency_key=match.group(1))
    assert client.post("/report", data=data).status_code == 200
    assert client.post("/report", data=data).status_code == 200
    assert len(_reports(app_session)) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "bad", ["x", "1b4e28ba2fa141d2883f0016d3cca427", "{1b4e28ba-2fa1-41d2-883f-0016d3cca427}"]
)
def test_bad_key_is_a_400_and_stores_nothing(client: FlaskClient, app_session: Session, bad: str) -> None:
    response = client.post("/report", data=form(client), headers={"Idempotency-Key": bad})
    assert response.status_code == 400
    assert "Hãy mở lại biểu mẫu" in response.get_data(as_text=True)
    assert _reports(app_session) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_replay_still_needs_the_csrf_token(client: FlaskClient, app_session: Session) -> None:
    key = str(uuid.uuid4())
    assert client.post("/report", data=form(client), headers={"Idempotency-Key": key}).status_code == 200
    data = form(client)
    del data["csrf_token"]
    assert client.post("/report", data=data, headers={"Idempotency-Key": key}).status_code == 400
    token = form(client)["csrf_token"]
    replay = client.post("/report", data=data, headers={"Idempotency-Key": key, "X-CSRF-Token": token})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"


def test_concurrent_sends_with_one_key_store_one_report(app: Flask, app_session: Session) -> None:
    """Two requests racing with one key: the unique key and a savepoint keep one report."""
    key = str(uuid.uuid4())
    first = Session(services(app).engine)
    second = Session(services(app).engine)
    fields = {
        "code_text": "",
        "serial": None,
        "shop": "Chợ Cồn",
        "province": "Đà Nẵng",
        "note": "",
        "contact": "",
    }
    got = {}
    try:
        got["first"] = reports.submit_report(first, **fields, photo_path=None, idempotency_key=key)

        def send_second() -> None:
            got["second"] = reports.submit_report(second, **fields, photo_path=None, idempotency_key=key)

        racing = threading.Thread(target=send_second)
        racing.start()
        racing.join(0.5)
        first.commit()
        racing.join(30)
        second.commit()
        assert (got["first"].replayed, got["second"].replayed) == (False, True)
        assert got["second"].report.id == got["first"].report.id
    finally:
        first.close()
        second.close()
    assert len(_reports(app_session)) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_field_check_takes_a_key_and_keeps_its_rules(client: FlaskClient, app_session: Session) -> None:
    anonymous = client.post(
        "/inspect/check", data={"text": "x"}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert anonymous.status_code == 400  # no session, so no CSRF token: refused before anything
    make_user(app_session, "insp", "inspector")
    token = login(client, "insp")
    key = str(uuid.uuid4())
    for _ in range(2):
        again = client.post(
            "/inspect/check",
            data={"text": "https://x.example/V/1", "csrf_token": token, "idempotency_key": key},
        )
        assert again.status_code == 200
    bad = client.post(
        "/inspect/check", data={"text": "x", "csrf_token": token}, headers={"Idempotency-Key": "no"}
    )
    assert bad.status_code == 400 and "UUID" in bad.get_data(as_text=True)

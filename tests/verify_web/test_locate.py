"""A located check: the page's token and the phone's coordinates become the scan's province,
and two phones in far-apart provinces within minutes turn the headline into the clone state."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from traceability.models import Label, Scan
from verify_web.hotpath.scan_recorder import writer

PHONE = "Mozilla/5.0 (Linux; Android 14) Chrome/130 Mobile"
HANOI = (21.03, 105.85)
SAIGON = (10.78, 106.70)


def scan_token(client: FlaskClient, path: str, ip: str) -> str:
    html = client.get(path, headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": ip}).get_data(
        as_text=True
    )
    match = re.search(r'data-scan="([^"]+)"', html)
    assert match
    writer(client.application).flush()
    return match.group(1)


def locate(client: FlaskClient, token: str, ip: str, where: tuple[float, float], accuracy: float = 30):
    body = {"scan": token, "lat": where[0], "lon": where[1], "accuracy": accuracy}
    return client.post("/place", json=body, environ_base={"REMOTE_ADDR": ip})


def test_located_checks_far_apart_show_the_clone_state(
    client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    path = Codes.path(codes.genuine)
    first = locate(client, scan_token(client, path, "203.0.113.1"), "203.0.113.1", HANOI)
    assert first.status_code == 200 and first.get_json() == {"province": "Thành phố Hà Nội"}
    html = client.get(path, headers={"User-Agent": PHONE}).get_data(as_text=True)
    assert "tại Thành phố Hà Nội" in html and 'data-status="genuine"' in html
    # Another phone, 1,100 km away, minutes later: no one item travels that fast.
    other = locate(client, scan_token(client, path, "198.51.100.2"), "198.51.100.2", SAIGON)
    assert other.get_json() == {"province": "Thành phố Hồ Chí Minh"}
    html = client.get(path, headers={"User-Agent": PHONE}).get_data(as_text=True)
    assert 'data-status="clone_suspected"' in html and "Sản phẩm OCOP chính hãng" not in html
    api = client.get(f"/api/v1/verify/{path[3:]}").get_json()
    assert api["state"] == "clone_suspected" and api["scans"]["signals"] == ["impossible_travel"]
    app_session.expire_all()
    label = app_session.get(Label, codes.genuine_label.id)
    assert label is not None and label.clone_signal == "impossible_travel"
    assert sorted(app_session.scalars(select(Scan.area).where(Scan.area.is_not(None)))) == ["1", "79"]


def test_one_phone_cannot_poison_a_label(client: FlaskClient, codes: Codes) -> None:
    path = Codes.path(codes.genuine)
    for where in (HANOI, SAIGON):
        assert (
            locate(client, scan_token(client, path, "203.0.113.1"), "203.0.113.1", where).status_code == 200
        )
    html = client.get(path, headers={"User-Agent": PHONE}).get_data(as_text=True)
    assert 'data-status="genuine"' in html


def test_bad_place_requests_are_refused(client: FlaskClient, codes: Codes) -> None:
    path = Codes.path(codes.genuine)
    token = scan_token(client, path, "203.0.113.1")
    assert locate(client, token, "198.51.100.2", HANOI).status_code == 400  # another client's token
    assert locate(client, token + "0", "203.0.113.1", HANOI).status_code == 400
    assert locate(client, "9" * 40 + ".1.x", "203.0.113.1", HANOI).status_code == 400
    assert client.post("/place", json=[1] * 3).status_code == 400
    assert (
        client.post("/place", json={"scan": token, "lat": "21", "lon": 105, "accuracy": 5}).status_code == 400
    )
    assert locate(client, token, "203.0.113.1", (48.85, 2.35)).get_json() == {"province": None}
    assert locate(client, token, "203.0.113.1", HANOI, accuracy=20_000).get_json() == {"province": None}
    assert locate(client, token, "203.0.113.1", HANOI).status_code == 200
    assert locate(client, token, "203.0.113.1", SAIGON).status_code == 409  # located already

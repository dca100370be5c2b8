"""Report a suspected fake: validation, photo checks, safe storage, rate limit."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from tests.support.windows import fresh_window
from traceability.models import Report


def token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/report").get_data(as_text=True))
    assert match
    return match.group(1)


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def form(client: FlaskClient, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": token(client),
        "shop": "Chợ Hạ Long 1",
        "province": "Quảng Ninh",
        "note": "Tem in mờ",
        "contact": "",
    }
    data.update(extra)
    return data


def test_report_with_photo_is_stored_safely(
    app: Flask, client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    data = form(client, code=codes.forged, photo=(BytesIO(png()), "../../etc/evil.php"))
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Báo cáo đã được gửi" in response.get_data(as_text=True)
    report = app_session.scalars(select(Report)).one()
    assert (report.status, report.shop, report.province) == ("new", "Chợ Hạ Long 1", "Quảng Ninh")
    assert report.photo_path and re.fullmatch(r"[0-9a-f]{32}\.jpg", report.photo_path)
    stored = Path(app.config["OCOP_UPLOAD_DIR"]) / report.photo_path
    with Image.open(stored) as image:
        assert image.format == "JPEG"


def test_report_links_a_known_label(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    client.post("/report", data=form(client, code=codes.genuine))
    report = app_session.scalars(select(Report)).one()
    assert report.label_id == codes.genuine_label.id and report.serial == codes.genuine_label.serial


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"shop": ""}, "cửa hàng hoặc chợ"),
        ({"province": "x" * 101}, "tỉnh hoặc thành phố"),
        ({"photo": (BytesIO(b"GIF89a not really"), "a.gif")}, "JPEG, PNG hoặc WebP"),
        ({"photo": (BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 50), "a.png")}, "JPEG, PNG hoặc WebP"),
    ],
)
def test_bad_reports_are_400_and_store_nothing(
    app: Flask, client: FlaskClient, app_session: Session, extra: dict[str, object], message: str
) -> None:
    response = client.post("/report", data=form(client, **extra), content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert app_session.scalars(select(Report)).first() is None
    upload_dir = Path(app.config["OCOP_UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_oversized_upload_is_413(client: FlaskClient) -> None:
    big = BytesIO(b"\0" * (7 * 1024 * 1024))
    response = client.post(
        "/report", data=form(client, photo=(big, "big.jpg")), content_type="multipart/form-data"
    )
    assert response.status_code == 413


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reports_are_rate_limited(client: FlaskClient, app_session: Session) -> None:
    fresh_window(timedelta(hours=1))
    statuses = [client.post("/report", data=form(client)).status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    assert len(app_session.scalars(select(Report)).all()) == 10

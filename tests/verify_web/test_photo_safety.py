"""Uploaded photos (issue 13): stored with nothing but pixels, decoded within a memory budget,
owner-only on disk."""

from __future__ import annotations

import re
import stat
import struct
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageCms
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.verify_web.staff import login, make_user
from traceability.models import Report
from verify_web.core import photos
from verify_web.errors import PhotoError

GPS_IFD = 0x8825


def segments(jpeg: bytes) -> list[int]:
    """The JPEG's marker segments before the image data (APPn, COM, DQT, …)."""
    assert jpeg[:2] == b"\xff\xd8"
    found, at = [], 2
    while at < len(jpeg):
        assert jpeg[at] == 0xFF
        marker = jpeg[at + 1]
        found.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return found
        (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
        at += 2 + length
    return found


def tagged_jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    """A phone-like JPEG: EXIF with GPS and orientation, XMP, an ICC profile and a comment."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (21.0, 1.0, 42.0), 3: "E", 4: (105.0, 51.0, 12.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(
        out,
        "JPEG",
        exif=exif,
        comment=b"bought at shop 12, Cho Ha Long",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret</x:xmpmeta>",
        icc_profile=icc,
    )
    data = out.getvalue()
    with Image.open(BytesIO(data)) as check:  # the input really carries all of it
        assert check.getexif().get_ifd(GPS_IFD) and check.info["comment"] and check.info["icc_profile"]
    assert {0xE1, 0xE2, 0xFE} <= set(segments(data))
    return data


def test_clean_jpeg_keeps_pixels_only() -> None:
    cleaned = photos.clean_jpeg(tagged_jpeg(), formats={"JPEG"})
    markers = segments(cleaned)
    assert 0xE1 not in markers and 0xE2 not in markers and 0xED not in markers  # EXIF/XMP, ICC, IPTC
    assert 0xFE not in markers  # JPEG comment
    assert not [m for m in markers if 0xE1 <= m <= 0xEF]  # no APPn but the JFIF APP0
    for needle in (b"PhoneMaker", b"Cho Ha Long", b"xmpmeta", b"Exif"):
        assert needle not in cleaned
    with Image.open(BytesIO(cleaned)) as image:
        assert image.size == (480, 640)  # the orientation was applied before it was dropped
        assert not image.getexif() and "icc_profile" not in image.info


def test_big_jpeg_is_decoded_at_a_reduced_scale() -> None:
    out = BytesIO()
    Image.new("RGB", (6000, 4000), (10, 120, 10)).save(out, "JPEG", quality=50)
    image = photos.decode(out.getvalue(), mode="RGB", formats={"JPEG"}, fit=(2000, 2000))
    assert image.size == (3000, 2000)  # libjpeg scaled 1/2 while decoding: a quarter of the memory


def _declared_png(width: int, height: int) -> bytes:
    """A small PNG file whose header declares ``width`` × ``height`` pixels."""
    out = BytesIO()
    Image.new("L", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_too_many_pixels_is_refused_before_decoding() -> None:
    data = _declared_png(6000, 4500)  # 27 MP in ~30 KB
    assert len(data) < 200_000
    with pytest.raises(PhotoError) as refused:
        photos.decode(data, mode="RGB", formats={"PNG"})
    assert refused.value.kind == "too_large"


def test_report_photo_is_stored_clean_and_owner_only(
    app: Flask, client: FlaskClient, app_session: Session
) -> None:
    page = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {
        "csrf_token": token.group(1),
        "shop": "Chợ Hạ Long 1",
        "province": "Quảng Ninh",
        "photo": (BytesIO(tagged_jpeg()), "IMG_0001.jpg"),
    }
    assert client.post("/report", data=data, content_type="multipart/form-data").status_code == 200
    report = app_session.scalars(select(Report)).one()
    assert report.photo_path
    folder = Path(app.config["OCOP_UPLOAD_DIR"])
    stored = folder / report.photo_path
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    saved = stored.read_bytes()
    assert 0xE1 not in segments(saved) and 0xFE not in segments(saved) and b"PhoneMaker" not in saved


def test_report_with_too_many_pixels_is_400(app: Flask, client: FlaskClient, app_session: Session) -> None:
    page = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {
        "csrf_token": token.group(1),
        "shop": "Chợ Hạ Long 1",
        "province": "Quảng Ninh",
        "photo": (BytesIO(_declared_png(6000, 4500)), "huge.png"),
    }
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert app_session.scalars(select(Report)).first() is None


def test_field_check_refuses_too_many_pixels(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "insp", "inspector")
    token = login(client, "insp")
    response = client.post(
        "/inspect/check",
        data={"csrf_token": token, "text": "", "photo": (BytesIO(_declared_png(6000, 4500)), "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400

"""Inspector tools: field check (pasted text and a photo decoded by zxing-cpp), clone suspects,
shoppers' reports, CSV export and the dashboard charts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer, short_code
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import add_report, add_scan, counts, login, make_user
from traceability.models import AuditEntry, Label, Report
from usecases.verify import Status, verify_scan
from verify_web.core.services import services


@pytest.fixture
def inspector(client: FlaskClient, app_session: Session) -> str:
    make_user(app_session, "insp", "inspector")
    return login(client, "insp")


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def test_field_check_pasted_text(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    ours = url_for_label(
        label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    page = client.post("/inspect/check", data={"text": ours, "csrf_token": inspector}).get_data(as_text=True)
    assert 'data-status="genuine"' in page and 'id="phishing"' not in page
    # The same signed code under a look-alike domain: genuine signature, but flagged as phishing.
    fake = ours.replace("XACTHUC.OCOP.VN", "XACTHUC-OCOP.VN")
    page = client.post("/inspect/check", data={"text": fake, "csrf_token": inspector}).get_data(as_text=True)
    assert 'id="phishing"' in page and "XACTHUC-OCOP.VN" in page
    page = client.post(
        "/inspect/check", data={"text": "https://evil.example/<script>", "csrf_token": inspector}
    )
    assert 'data-status="invalid"' in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)
    empty = client.post("/inspect/check", data={"text": "  ", "csrf_token": inspector})
    assert empty.status_code == 400


def test_field_check_photo_decoded_by_zxing(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    text = url_for_label(
        label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    upload = {"photo": (io.BytesIO(qr_png(text)), "label.png"), "csrf_token": inspector}
    page = client.post("/inspect/check", data=upload, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert 'data-status="genuine"' in page and world.product.name in page
    not_image = {"photo": (io.BytesIO(b"GIF89a nonsense"), "x.gif"), "csrf_token": inspector}
    response = client.post("/inspect/check", data=not_image, content_type="multipart/form-data")
    assert response.status_code == 400 and "Tệp này không phải là ảnh đọc được." in response.get_data(
        as_text=True
    )
    blank = io.BytesIO()
    segno.make("x").save(blank, kind="png", scale=1, border=0, dark="white")
    response = client.post(
        "/inspect/check",
        data={"photo": (io.BytesIO(blank.getvalue()), "b.png"), "csrf_token": inspector},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Không đọc được mã QR" in response.get_data(as_text=True)


def test_confirm_report_revokes_as_counterfeit(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 2)[0]
    app_session.commit()
    text = url_for_label(
        label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring())
    )
    report_id = add_report(app_session, label, shop="Tạp hóa Minh", province="Quảng Ninh", note="Nhãn mờ")
    queue = client.get("/inspect/reports").get_data(as_text=True)
    assert f'id="report-{report_id}"' in queue and "Tạp hóa Minh" in queue
    assert (
        client.post(
            f"/inspect/reports/{report_id}/confirm", data={"note": "Seen in shop", "csrf_token": inspector}
        ).status_code
        == 302
    )
    app_session.expire_all()
    verdict = verify_scan(
        text,
        keyring=services(app).keystore.keyring(),
        today=date.today(),
        session=app_session,
        our_base_url=BASE_URL,
    )
    assert verdict.status is Status.REVOKED and verdict.reason == "counterfeit"
    report = app_session.get(Report, report_id)
    assert report is not None and report.status == "confirmed" and report.handled_by == "insp"
    actions = set(app_session.scalars(select(AuditEntry.action)))
    assert {"report.confirm", "revocation.create"} <= actions
    before = counts(app_session)
    assert (
        client.post(f"/inspect/reports/{report_id}/confirm", data={"csrf_token": inspector}).status_code
        == 400
    )
    assert counts(app_session) == before


def test_dismiss_link_and_bad_input(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    unknown = add_report(app_session, None, code_text="HTTPS://FAKE.EXAMPLE/V/1", shop="Chợ")
    linked = add_report(app_session, label, shop="Siêu thị")
    before = counts(app_session)
    assert (
        client.post(f"/inspect/reports/{unknown}/confirm", data={"csrf_token": inspector}).status_code == 400
    )
    assert (
        client.post(
            f"/inspect/reports/{unknown}/dismiss", data={"note": "", "csrf_token": inspector}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/inspect/reports/{linked}/link", data={"case_ref": " ", "csrf_token": inspector}
        ).status_code
        == 400
    )
    assert (
        client.post("/inspect/reports/9999/dismiss", data={"note": "x", "csrf_token": inspector}).status_code
        == 400
    )
    assert client.get("/inspect/reports?status=bogus").status_code == 400
    assert counts(app_session) == before
    assert (
        client.post(
            f"/inspect/reports/{unknown}/dismiss", data={"note": "Not our code", "csrf_token": inspector}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/inspect/reports/{linked}/link", data={"case_ref": "QN-2026-07", "csrf_token": inspector}
        ).status_code
        == 302
    )
    app_session.expire_all()
    assert app_session.get(Report, unknown).status == "dismissed"  # type: ignore[union-attr]
    linked_report = app_session.get(Report, linked)
    assert (
        linked_report is not None
        and linked_report.status == "linked"
        and linked_report.case_ref == "QN-2026-07"
    )
    # A linked report stays in the open queue.
    assert f'id="report-{linked}"' in client.get("/inspect/reports").get_data(as_text=True)


def test_reports_csv_neutralises_formulas(client: FlaskClient, app_session: Session, inspector: str) -> None:
    add_report(
        app_session,
        None,
        shop='=HYPERLINK("http://evil")',
        province="Hà Nội",
        note='Giả, nhãn "lạ"',
        contact="0912 345 678",
        created_at=datetime(2026, 12, 1, 8, 4, tzinfo=UTC),
    )
    response = client.get("/inspect/reports.csv?status=all")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2 and header[0] == "Số hồ sơ" and "Thời điểm gửi (Asia/Ho_Chi_Minh)" in header
    assert row["Thời điểm gửi (Asia/Ho_Chi_Minh)"] == "15:04, 01/12/2026"  # 08:04 UTC
    assert row["Liên hệ của người mua"] == "0912 345 678" and row["Trạng thái"] == "mới"
    assert row["Cửa hàng"] == '\'=HYPERLINK("http://evil")' and row["Tỉnh/thành phố"] == "Hà Nội"
    assert row["Ghi chú"] == 'Giả, nhãn "lạ"'
    english = client.get("/inspect/reports.csv?status=all&lang=en").get_data(as_text=True)
    assert english.lstrip("\ufeff").startswith("Case number,Filed at (Asia/Ho_Chi_Minh),Status,")


def test_clone_suspects_ranked_and_revoked(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    cloned, quiet, double_claimed = issue(app_session, world, app_signer, 3)
    double_claimed.claim_attempts = 2
    app_session.commit()
    for i, area in enumerate(["1", "46", "48", "92", "22", "1"]):  # located: province codes
        add_scan(app_session, cloned, area=area, source=f"src{i}")
    add_scan(app_session, quiet, source="a")
    add_scan(app_session, quiet, source="a")
    page = client.get("/inspect/suspects").get_data(as_text=True)
    # Named as printed (lot code, number, short code); the serial only on the detail page.
    assert page.index(short_code(cloned.serial)) < page.index(short_code(double_claimed.serial))
    assert f"Lô {world.lot.code}, tem số {cloned.number}" in page
    assert short_code(quiet.serial) not in page and str(cloned.serial) not in page
    timeline = client.get(f"/inspect/suspects/{cloned.id}").get_data(as_text=True)
    assert timeline.count("<tr><td>") == 6 and "Thành phố Cần Thơ" in timeline
    assert str(cloned.serial) in timeline
    before = counts(app_session)
    assert (
        client.post(
            f"/inspect/suspects/{cloned.id}/revoke", data={"note": "", "csrf_token": inspector}
        ).status_code
        == 400
    )
    assert (
        client.post("/inspect/suspects/99999/revoke", data={"note": "x", "csrf_token": inspector}).status_code
        == 404
    )
    assert counts(app_session) == before
    assert (
        client.post(
            f"/inspect/suspects/{cloned.id}/revoke",
            data={"note": "Scanned in 5 provinces", "csrf_token": inspector},
        ).status_code
        == 302
    )
    app_session.expire_all()
    revoked = app_session.get(Label, cloned.id)
    assert revoked is not None and revoked.status.value == "revoked"
    assert revoked.revocation is not None and revoked.revocation.reason.value == "counterfeit"


def test_dashboard_draws_svg_charts(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    for i in range(6):
        add_scan(
            app_session,
            label,
            area=("1", "4", "8", "11", "12", "14")[i],
            source=f"s{i}",
            at=datetime.now(UTC) - timedelta(days=i % 3),
        )
    add_scan(app_session, None, verdict="invalid", area=None)
    page = client.get("/inspect?days=7").get_data(as_text=True)
    for chart in ("chart-days", "chart-verdicts", "chart-areas"):
        assert f'id="{chart}"' in page
    assert page.count("<svg") == 3
    assert page.count('<rect class="bar"') == 7 + 6  # 7 days, 6 provinces with a suspect
    # Each verdict in its own colour, named in Vietnamese, with a legend and a data table.
    assert page.count('<rect class="bar-genuine"') == 1 and page.count('<rect class="bar-invalid"') == 1
    assert "<title>Tem OCOP chính hãng: 6</title>" in page
    assert '<span class="swatch bar-invalid"></span>' in page
    assert page.count('<details class="chart-table">') == 3
    assert page.count('class="tick"') >= 3 * 2  # a value axis with at least 0 and the top
    assert client.get("/inspect?days=0").status_code == 400
    assert client.get("/inspect?days=abc").status_code == 400


def test_report_photo_served_only_from_upload_folder(
    app: Flask, client: FlaskClient, app_session: Session, inspector: str
) -> None:
    uploads = app.config["OCOP_UPLOAD_DIR"]
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "r1.png").write_bytes(qr_png("photo"))
    good = add_report(app_session, None, photo_path="r1.png")
    sneaky = add_report(app_session, None, photo_path="../../../../etc/passwd")
    missing = add_report(app_session, None)
    response = client.get(f"/inspect/reports/{good}/photo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert client.get(f"/inspect/reports/{sneaky}/photo").status_code == 404
    assert client.get(f"/inspect/reports/{missing}/photo").status_code == 404
    assert client.get("/inspect/reports/99999/photo").status_code == 404

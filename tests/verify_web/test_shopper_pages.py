"""The shopper's pages say who runs the service and how to trust it (issue 9): the footer, the
privacy notice on the report form, where the short code is printed, and the star rules since
6 July 2025."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import close_app
from verify_web import create_app
from verify_web.public.fake_report import REPORT_KEPT_MONTHS

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_footer_names_operator_contact_and_the_one_address(app: Flask, client: FlaskClient) -> None:
    app.config.update(OCOP_OPERATOR="Văn phòng Điều phối OCOP tỉnh Quảng Ninh", OCOP_CONTACT="0203 3 123 456")
    for path in ("/", "/report", "/check?code=0000-0000-00000"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer class="site-footer">') :]
        assert "Đơn vị vận hành: Văn phòng Điều phối OCOP tỉnh Quảng Ninh." in footer
        assert "Liên hệ: 0203 3 123 456" in footer
        assert "Địa chỉ thật duy nhất của dịch vụ này là https://xacthuc.ocop.vn." in footer
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "The only genuine address of this service is https://xacthuc.ocop.vn." in english


def test_an_unconfigured_operator_is_said_plainly(app: Flask, client: FlaskClient) -> None:
    app.config.update(OCOP_OPERATOR=None, OCOP_CONTACT=None)
    html = client.get("/").get_data(as_text=True)
    assert "Bản dịch vụ này chưa khai báo đơn vị vận hành" in html and "Liên hệ:" not in html


def test_operator_and_contact_come_from_the_environment(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.setenv("OCOP_OPERATOR", "  Sở Nông nghiệp và Môi trường  ")
    monkeypatch.setenv("OCOP_CONTACT", "")
    built = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "x" * 40, "OCOP_INSTANCE": str(tmp_path)})
    assert built.config["OCOP_OPERATOR"] == "Sở Nông nghiệp và Môi trường"
    assert built.config["OCOP_CONTACT"] is None
    close_app(built)


def test_report_form_has_a_privacy_notice(client: FlaskClient) -> None:
    html = client.get("/report").get_data(as_text=True)
    notice = html[html.index('id="privacy"') : html.index("</section>", html.index('id="privacy"'))]
    assert "Nghị định 13/2023/NĐ-CP" in notice
    for part in ("Chúng tôi thu thập", "Mục đích", "Thời gian lưu", f"không quá {REPORT_KEPT_MONTHS} tháng"):
        assert part in notice, part


def test_home_page_says_where_the_code_is_and_the_star_rules(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "“Mã:”" in html and "bên phải mã QR" in html and "Số tem" in html
    assert "Quyết định 1489/QĐ-TTg" in html and "6/7/2025" in html
    assert "cấp tỉnh đánh giá 3★ và 4★" in html and "cấp trung ương đánh giá 5★" in html
    assert "do cấp huyện cấp trước ngày 6/7/2025 vẫn còn hiệu lực" in html
    assert "do hội đồng cấp huyện đánh giá" not in html

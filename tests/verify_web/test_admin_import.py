"""``/admin/import`` and ``ocop registry import``: template, dry run in Vietnamese, confirm,
one atomic import; admins only."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.traceability.test_bulk_import import GOOD, csv_file, xlsx_file
from tests.verify_web.staff import login, make_user
from traceability.models import AuditEntry, Producer, Product


def products(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Product)) or 0)


def test_dry_run_then_import(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    template = client.get("/admin/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    assert "attachment" in template.headers["Content-Disposition"]
    page = client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (BytesIO(xlsx_file(GOOD)), "danh-sach.xlsx")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:2000]
    assert "thêm chủ thể mới “HTX Mật ong Đông Cao”" in text and "chủ thể ở dòng 2" in text
    assert "thêm chứng nhận 5★" in text and products(app_session) == 0
    kept = re.search(r'name="token" value="([^"]+)"', text)
    assert kept
    stored = Path(app.config["OCOP_UPLOAD_DIR"]) / "imports" / kept.group(1)
    assert stored.stat().st_mode & 0o077 == 0
    done = client.post(
        "/admin/import/commit", data={"csrf_token": token, "token": kept.group(1), "name": "danh-sach.xlsx"}
    )
    assert done.status_code == 200 and "Đã nhập 3 dòng" in done.get_data(as_text=True)
    assert products(app_session) == 3 and not stored.exists()
    entry = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "registry.import")).one()
    assert entry.actor == "boss" and entry.entity_id == "danh-sach.xlsx"
    again = client.post(
        "/admin/import/commit", data={"csrf_token": token, "token": kept.group(1), "name": "danh-sach.xlsx"}
    )
    assert again.status_code == 400 and products(app_session) == 3  # a confirmation imports once


def test_a_bad_row_shows_every_error_in_vietnamese_and_imports_nothing(
    app: Flask, client: FlaskClient, app_session: Session
) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    bad = [
        *GOOD,
        ["HTX Lúa", "Hợp tác xã", "", "Xã Tân Yên", "Bắc Giang", "", "Gạo", "Lúa gạo", "", "", "", "", ""],
    ]
    page = client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (BytesIO(csv_file(bad)), "loi.csv")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Bắc Giang không thuộc 34 tỉnh, thành phố từ ngày 1/7/2025" in text
    assert "Nhóm sản phẩm: phải là một trong" in text
    assert 'name="token"' not in text and "Chưa nhập gì" in text
    assert products(app_session) == 0
    assert app_session.scalar(select(func.count()).select_from(Producer)) == 0
    junk = client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (BytesIO(b"hello"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 400 and "phải là tệp .csv hoặc .xlsx" in junk.get_data(as_text=True)


def test_only_admins_import(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "insp", "inspector")
    login(client, "insp")
    assert client.get("/admin/import").status_code == 403
    assert client.get("/admin/import/template.csv").status_code == 403


def test_cli_dry_run_and_commit(runner: FlaskCliRunner, app_session: Session, tmp_path: Path) -> None:
    source = tmp_path / "tinh.csv"
    source.write_bytes(csv_file(GOOD))
    dry = runner.invoke(args=["registry", "import", str(source)])
    assert dry.exit_code == 0, dry.output
    assert "Dòng 2: thêm chủ thể mới" in dry.output and "nothing was written" in dry.output
    assert products(app_session) == 0
    bad = tmp_path / "loi.csv"
    bad.write_bytes(csv_file([*GOOD, [*GOOD[0][:4], "Hà Tây", *GOOD[0][5:]]]))
    refused = runner.invoke(args=["registry", "import", str(bad), "--commit"])
    assert refused.exit_code == 1 and "Dòng 5: LỖI Tỉnh/thành phố" in refused.output
    assert "Traceback" not in refused.output and products(app_session) == 0
    done = runner.invoke(args=["registry", "import", str(source), "--commit"])
    assert done.exit_code == 0 and products(app_session) == 3
    out = tmp_path / "mau.xlsx"
    assert runner.invoke(args=["registry", "import-template", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"

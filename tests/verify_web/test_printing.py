"""Issuing and printing labels from the browser (admin and producer portal): real downloads
decoded with zxing-cpp, refusals that record nothing, scoping and CSRF."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from keys import PrivateKey
from tests.labels.decoding import decode_pdf
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world
from tests.verify_web.staff import login, make_user
from traceability.models import AuditEntry, Label
from traceability.services import certifications, revocations
from usecases.verify import Status, verify_scan
from verify_web.core.services import services


def issued_file(client: FlaskClient, result: TestResponse) -> TestResponse:
    """Follow the result page of an issue to its download; return the download."""
    page = result.get_data(as_text=True)
    assert result.status_code == 200, page[:500]
    match = re.search(r'id="download" href="([^"]+)"', page)
    assert match, page[:500]
    return client.get(match.group(1))


def rows(session: Session) -> tuple[int, int]:
    """(labels, audit entries): to prove that nothing was recorded."""
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Label)) or 0,
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


def verdict(app: Flask, session: Session, text: str) -> Status:
    session.expire_all()
    keyring = services(app).keystore.keyring()
    return verify_scan(
        text, keyring=keyring, today=date.today(), session=session, our_base_url=BASE_URL
    ).status


@pytest.fixture
def admin(client: FlaskClient, app_session: Session) -> str:
    make_user(app_session, "boss", "admin")
    return login(client, "boss")


def test_admin_plans_then_downloads_a_pdf_whose_labels_verify(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str, tmp_path: Path
) -> None:
    world = make_world(app_session, stars=5)
    issue(app_session, world, app_signer, 2)  # numbers 1-2 are taken
    app_session.commit()
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "7", "stock": "a4-40"}
    form |= {"format": "pdf", "csrf_token": admin}
    page = client.get("/admin/labels")
    assert page.status_code == 200 and world.lot.code in page.get_data(as_text=True)
    before = rows(app_session)
    plan = client.post("/admin/labels/issue/plan", data=form)
    text = plan.get_data(as_text=True)
    assert plan.status_code == 200, text
    assert 'data-count="7" data-first="3" data-last="9"' in text
    assert "5★" in text and world.certification.valid_until.strftime("%d/%m/%Y") in text
    # The certificate (36 months) ends before this lot's best-before date: warned in Vietnamese.
    assert world.lot.best_before is not None and world.certification.valid_until < world.lot.best_before
    assert 'id="warnings"' in text and world.lot.best_before.strftime("%d/%m/%Y") in text
    assert "hết hạn" in text
    assert 'name="first" value="3"' in text
    assert rows(app_session) == before  # the plan records nothing

    result = client.post("/admin/labels/issue", data=form)
    said = " ".join(result.get_data(as_text=True).split())
    assert f"Đã cấp 7 tem, số 3–9 của lô {world.lot.code}" in said, said[:2000]
    download = issued_file(client, result)
    assert download.status_code == 200, download.get_data(as_text=True)[:500]
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.isascii()
    assert f"ocop-LOT-{world.lot.code.split('-')[1]}-3-9.pdf" in disposition
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(download.get_data())
    texts = decode_pdf(pdf, tmp_path)
    assert len(texts) == 7 and len(set(texts)) == 7
    for scanned in texts:
        assert verdict(app, app_session, scanned) is Status.GENUINE
    labels_after, audit_after = rows(app_session)
    assert (labels_after, audit_after) == (before[0] + 7, before[1] + 1)
    numbers = app_session.scalars(select(Label.number).where(Label.lot_id == world.lot.id)).all()
    assert sorted(numbers) == list(range(1, 10))


def test_admin_reprint_issues_no_new_serials(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    labels = issue(app_session, world, app_signer, 5)
    app_session.commit()
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "numbers": "2..4", "format": "csv"}
    download = client.post("/admin/labels/reprint", data=form | {"csrf_token": admin})
    assert download.status_code == 200, download.get_data(as_text=True)[:500]
    assert download.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [int(r["serial"]) for r in table] == [label.serial for label in labels[1:4]]
    assert rows(app_session) == (before[0], before[1] + 1)  # an audit entry, no new label


def test_producer_downloads_csv_for_its_own_product(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey
) -> None:
    mine = make_world(app_session, name="Củ cải trắng")
    theirs = make_world(app_session, name="Rượu mơ Yên Tử", province="Quảng Ninh")
    make_user(app_session, "dongcao", "producer", mine.product.producer_id)
    token = login(client, "dongcao")
    page = client.get("/producer/labels").get_data(as_text=True)
    assert "Củ cải trắng" in page and "Rượu mơ Yên Tử" not in page
    form = {"product": str(mine.product.id), "lot": mine.lot.code, "count": "3", "format": "csv"}
    result = client.post("/producer/labels/issue", data=form | {"secret": "1", "csrf_token": token})
    download = issued_file(client, result)
    assert download.status_code == 200, download.get_data(as_text=True)[:500]
    assert download.mimetype == "text/csv" and download.headers["Cache-Control"] == "no-store"
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [r["number"] for r in table] == ["1", "2", "3"]
    assert all(len(r["secret"]) >= 8 for r in table)
    for r in table:
        assert verdict(app, app_session, r["qr_text"]) is Status.GENUINE
    recorded = app_session.scalars(select(Label.serial).where(Label.lot_id == mine.lot.id)).all()
    assert sorted(recorded) == sorted(int(r["serial"]) for r in table)
    assert theirs.lot.code not in page


def test_producer_cannot_print_for_another_producer(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey
) -> None:
    mine = make_world(app_session)
    theirs = make_world(app_session)
    issue(app_session, theirs, app_signer, 2)
    app_session.commit()
    make_user(app_session, "dongcao", "producer", mine.product.producer_id)
    token = login(client, "dongcao")
    before = rows(app_session)
    form = {"product": str(theirs.product.id), "lot": theirs.lot.code, "count": "2", "csrf_token": token}
    for path in ("/producer/labels/issue/plan", "/producer/labels/issue", "/producer/labels/reprint"):
        assert client.post(path, data=form).status_code == 404, path
    assert client.post("/producer/labels/issue", data=form | {"product": "999999"}).status_code == 404
    assert rows(app_session) == before


def test_producer_product_without_certification_is_refused(client: FlaskClient, app_session: Session) -> None:
    world = make_world(app_session, stars=3)
    certifications.withdraw(
        app_session,
        actor="test",
        certification_id=world.certification.id,
        reason="re-rating",
        on=date.today(),
    )
    app_session.commit()
    make_user(app_session, "dongcao", "producer", world.product.producer_id)
    token = login(client, "dongcao")
    assert 'id="no-products"' in client.get("/producer/labels").get_data(as_text=True)
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "csrf_token": token}
    refused = client.post("/producer/labels/issue", data=form)
    assert refused.status_code == 422
    assert "không có chứng nhận OCOP" in refused.get_data(as_text=True)
    assert rows(app_session) == before


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"count": "0"}, 422, "10.000"),  # Vietnamese number format
        ({"count": "10001"}, 422, "10.000"),
        ({"count": "2001", "format": "png"}, 422, "2.000"),
        ({"count": "many"}, 400, "count"),
        ({"lot": "NO-SUCH-LOT"}, 422, "NO-SUCH-LOT"),
        ({"stock": "a3-2"}, 422, "a3-2"),
        ({"stock": "custom:10x10"}, 422, "custom:10x10"),
        ({"format": "docx"}, 400, ""),
        ({"product": "999999"}, 422, "999999"),
        ({"expired": "1"}, 422, "chứng nhận OCOP"),
    ],
)
def test_refusals_record_nothing(
    client: FlaskClient,
    app_session: Session,
    app_signer: PrivateKey,
    admin: str,
    change: dict[str, str],
    status: int,
    words: str,
) -> None:
    world = make_world(
        app_session, issued_on=date.today() - timedelta(days=2000) if change.get("expired") else None
    )
    issue(app_session, world, app_signer, 1)
    app_session.commit()
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "format": "pdf"}
    form |= {k: v for k, v in change.items() if k != "expired"}
    for path in ("/admin/labels/issue/plan", "/admin/labels/issue"):
        refused = client.post(path, data=form | {"csrf_token": admin})
        page = refused.get_data(as_text=True)
        assert refused.status_code == status, (path, page[:300])
        assert 'role="alert"' in page and words in page
        # The form is shown again; with no product able to carry labels, it says so instead.
        assert ('id="no-products"' if change.get("expired") else 'id="issue-form"') in page
    assert rows(app_session) == before


@pytest.mark.parametrize("target", ["lot", "product", "producer"])
def test_revoked_records_are_refused(
    client: FlaskClient, app_session: Session, admin: str, target: str
) -> None:
    world = make_world(app_session)
    ref = {"lot": {"lot_id": world.lot.id}, "product": {"product_id": world.product.id}}
    ref["producer"] = {"producer_id": world.product.producer_id}
    revocations.revoke(app_session, actor="test", target=target, ref=ref[target], reason="recalled")
    app_session.commit()
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "csrf_token": admin}
    refused = client.post("/admin/labels/issue", data=form)
    assert refused.status_code == 422
    assert "thu hồi" in refused.get_data(as_text=True)  # "revoked"
    assert rows(app_session) == before


def test_reprint_refusals_record_nothing(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, admin: str
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 3)
    app_session.commit()
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "csrf_token": admin}
    for change, status in (
        ({"numbers": "50..60"}, 422),
        ({"numbers": "3..1"}, 400),
        ({"lot": "NO-SUCH-LOT"}, 422),
        ({"stock": "nonsense"}, 422),
    ):
        refused = client.post("/admin/labels/reprint", data=form | change)
        assert refused.status_code == status, change
        assert 'role="alert"' in refused.get_data(as_text=True)
    assert rows(app_session) == before


def test_posts_need_the_csrf_token(client: FlaskClient, app_session: Session, admin: str) -> None:
    world = make_world(app_session)
    app_session.commit()
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "format": "csv"}
    for path in ("/admin/labels/issue/plan", "/admin/labels/issue", "/admin/labels/reprint"):
        assert client.post(path, data=form).status_code == 400, path
        assert client.post(path, data=form | {"csrf_token": "forged"}).status_code == 400, path
    assert rows(app_session) == before
    assert client.post("/admin/labels/issue", data=form | {"csrf_token": admin}).status_code == 200
    assert rows(app_session) == (before[0] + 2, before[1] + 1)


def test_missing_passphrase_is_a_clear_503(
    client: FlaskClient, app_session: Session, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(app_session)
    app_session.commit()
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE")
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "csrf_token": admin}
    refused = client.post("/admin/labels/issue", data=form)
    assert refused.status_code == 503
    assert "OCOP_KEY_PASSPHRASE" in refused.get_data(as_text=True)
    assert rows(app_session) == before


def test_confirming_twice_issues_once(client: FlaskClient, app_session: Session, admin: str) -> None:
    world = make_world(app_session)
    app_session.commit()
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "4", "format": "csv"}
    form |= {"first": "1", "csrf_token": admin}
    before = rows(app_session)
    assert client.post("/admin/labels/issue", data=form).status_code == 200
    after_first = rows(app_session)
    assert after_first == (before[0] + 4, before[1] + 1)
    again = client.post("/admin/labels/issue", data=form)
    assert again.status_code == 409
    assert 'role="alert"' in again.get_data(as_text=True)
    assert rows(app_session) == after_first


def test_reprint_failing_mid_run_records_nothing(
    client: FlaskClient,
    app_session: Session,
    app_signer: PrivateKey,
    admin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The reprint's audit entry is written before the first label is signed; the key cannot be
    # unlocked at that first label, so the run fails part way and the entry must not remain.
    world = make_world(app_session)
    issue(app_session, world, app_signer, 3)
    app_session.commit()
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE")
    before = rows(app_session)
    form = {"product": str(world.product.id), "lot": world.lot.code, "format": "pdf", "csrf_token": admin}
    refused = client.post("/admin/labels/reprint", data=form)
    assert refused.status_code == 503
    assert "OCOP_KEY_PASSPHRASE" in refused.get_data(as_text=True)
    assert rows(app_session) == before


def test_issued_file_is_for_its_issuer_only(
    app: Flask, client: FlaskClient, app_session: Session, admin: str
) -> None:
    world = make_world(app_session)
    app_session.commit()
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "format": "csv"}
    result = client.post("/admin/labels/issue", data=form | {"csrf_token": admin})
    link = re.search(r'id="download" href="([^"]+)"', result.get_data(as_text=True))
    assert link and issued_file(client, result).status_code == 200
    folder = Path(app.instance_path) / "print-runs"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
    make_user(app_session, "other", "admin")
    stranger = app.test_client()
    login(stranger, "other")
    assert stranger.get(link.group(1)).status_code == 404
    assert client.get(link.group(1)[:-3] + "zzz").status_code == 404


def test_gs1_form_product_prints_gs1_labels_on_a4_only(
    app: Flask, client: FlaskClient, app_session: Session, admin: str, tmp_path: Path
) -> None:
    from traceability.enums import LabelForm
    from traceability.services import corrections, lots

    world = make_world(app_session)
    corrections.update_product(
        app_session,
        actor="t",
        product_id=world.product.id,
        name=world.product.name,
        group=world.product.group,
        gtin="08934567890120",
        label_form=LabelForm.GS1,
    )
    lots.create_lot(
        app_session, actor="t", product_id=world.product.id, code="LÔ 1", produced_on=date.today()
    )
    app_session.commit()
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "3", "format": "pdf"}
    before = rows(app_session)
    for change, words in (
        ({"stock": "roll-30x20"}, "23.2 mm"),
        ({"stock": "a4-40", "lot": "LÔ 1"}, "GS1 Digital Link"),
    ):
        refused = client.post("/admin/labels/issue", data=form | change | {"csrf_token": admin})
        assert refused.status_code == 422 and words in refused.get_data(as_text=True)  # refused request
    assert rows(app_session) == before
    result = client.post("/admin/labels/issue", data=form | {"stock": "a4-40", "csrf_token": admin})
    pdf = tmp_path / "gs1.pdf"
    pdf.write_bytes(issued_file(client, result).get_data())
    texts = decode_pdf(pdf, tmp_path)
    assert len(texts) == 3
    for scanned in texts:
        assert f"/01/08934567890120/10/{world.lot.code}/21/" in scanned
        assert verdict(app, app_session, scanned) is Status.GENUINE

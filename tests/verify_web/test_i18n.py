"""Vietnamese first: the catalogue is complete and form errors read in Vietnamese end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.verify_web.staff import login, make_user

TRANSLATIONS = Path(__file__).resolve().parents[2] / "verify_web" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def test_every_string_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = read_po(f)
    missing = [m.id for m in template if m.id and not (catalog.get(m.id) and catalog[m.id].string)]
    assert missing == []
    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
                message.id
            )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            {"legal_name": "", "kind": "cooperative", "commune": "a", "province": "b"},
            "“Tên pháp lý”: không được để trống",
        ),
        (
            {"legal_name": "X", "kind": "cooperative", "commune": "a", "province": "b", "tax_code": "12"},
            "phải gồm 10 chữ số",
        ),
        (
            {"legal_name": "X" * 300, "kind": "cooperative", "commune": "a", "province": "b"},
            "dài quá 200 ký tự",
        ),
    ],
)
def test_form_errors_are_in_vietnamese(
    client: FlaskClient, app_session: Session, form: dict[str, str], expected: str
) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    response = client.post("/admin/registry/producers", data=form | {"csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert expected in page
    assert "is required" not in page and "must be" not in page and "longer than" not in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_conflict_messages_are_in_vietnamese(client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    form = {
        "legal_name": "X",
        "kind": "cooperative",
        "commune": "a",
        "province": "b",
        "tax_code": "0101234567",
    }
    assert client.post("/admin/registry/producers", data=form | {"csrf_token": token}).status_code in (
        302,
        303,
    )
    again = client.post("/admin/registry/producers", data=form | {"legal_name": "Y", "csrf_token": token})
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "mã số thuế 0101234567 đã được đăng ký" in page and "already registered" not in page

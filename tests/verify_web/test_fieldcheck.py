"""The inspectors' field check heads each content honestly (issue 9, point 5): a code under a
look-alike or disguised address is a warning naming the one genuine address, never "chính hãng";
a clone suspect is not plain genuine; reasons are in Vietnamese.

Which addresses are ours is the label parser's rule (docs/label-code.md §4.1, WHATWG URL); the
field check heads by what it answers.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from keys import Keyring, PrivateKey
from labels import LabelSerializer
from tests.support.constants import BASE_URL
from tests.support.factories import issue, make_world, url_for_label
from tests.verify_web.staff import login, make_user
from traceability.services import label_scans, recent_scans, scans
from usecases.verify import verify_scan
from verify_web.core.services import services

GREEN_WORDS = ("chính hãng", "Tem OCOP thật")


@pytest.fixture
def inspector(client: FlaskClient, app_session: Session) -> str:
    make_user(app_session, "insp", "inspector")
    return login(client, "insp")


def results(html: str) -> list[tuple[str, str, str]]:
    """(data-state, data-status, headline) of each result card."""
    found = re.findall(r'data-status="(\w+)" data-state="(\w+)">\s*<h2 class="verdict">([^<]*)</h2>', html)
    return [(state, status, headline) for status, state, headline in found]


@pytest.mark.parametrize(
    ("text", "elsewhere"),
    [
        ("HTTPS://XACTHUC.OCOP.VN/V/123", False),
        ("https://xacthuc.ocop.vn/V/123", False),
        ("123456", False),
        ("HTTP://OCOP-KIEMTRA.VN/V/123", True),
        ("https://xacthuc.ocop.vn.evil.example/V/123", True),
        ("http://evil.example\\@XACTHUC.OCOP.VN/V/123", True),
        ("https://user@XACTHUC.OCOP.VN/V/123", True),
        ("https://XACTHUC.OCOP.VN:8443/V/123", True),
        ("javascript://XACTHUC.OCOP.VN/V/123", True),
        ("ftp://XACTHUC.OCOP.VN/V/123", True),
        ("javascript:alert(1)", True),
    ],
)
def test_the_parser_says_which_addresses_point_elsewhere(text: str, elsewhere: bool) -> None:
    verdict = verify_scan(
        text, keyring=Keyring.from_jwks({"keys": []}), today=date(2026, 12, 1), our_base_url=BASE_URL
    )
    assert (verdict.foreign_domain or verdict.reason == "bad_scheme") is elsewhere


@pytest.mark.parametrize(
    "disguise",
    [
        lambda url: url.replace("XACTHUC.OCOP.VN", "OCOP-KIEMTRA.VN"),
        lambda url: "HTTP://" + url.split("://", 1)[1].replace("XACTHUC.OCOP.VN", "OCOP-KIEMTRA.VN"),
        lambda url: "http://evil.example\\@" + url.split("://", 1)[1],
        lambda url: "javascript://" + url.split("://", 1)[1],
        lambda url: "ftp://" + url.split("://", 1)[1],
    ],
    ids=["look-alike", "look-alike-http", "backslash-userinfo", "javascript", "ftp"],
)
def test_a_disguised_address_is_never_headed_genuine(
    app: Flask,
    client: FlaskClient,
    app_session: Session,
    app_signer: PrivateKey,
    inspector: str,
    disguise: object,
) -> None:
    world = make_world(app_session)
    label = issue(app_session, world, app_signer, 1)[0]
    app_session.commit()
    ours = url_for_label(label, app_signer, LabelSerializer(BASE_URL, services(app).keystore.keyring()))
    text = disguise(ours)  # type: ignore[operator]
    page = client.post("/inspect/check", data={"text": text, "csrf_token": inspector}).get_data(as_text=True)
    ((state, _status, headline),) = results(page)
    # A warning state of its own when the parser still opens the code, "invalid" once it refuses
    # the address outright: either way never the green headline.
    assert state in ("foreign_domain", "invalid"), state
    assert not any(w in headline for w in GREEN_WORDS), headline
    assert 'id="phishing"' in page and "Địa chỉ thật duy nhất là https://xacthuc.ocop.vn" in page


def test_reasons_are_shown_in_vietnamese(client: FlaskClient, inspector: str) -> None:
    page = client.post(
        "/inspect/check", data={"text": "HTTPS://XACTHUC.OCOP.VN/V/12345", "csrf_token": inspector}
    ).get_data(as_text=True)
    assert "sai số chữ số" in page and "bad_length" not in page
    assert results(page)[0][0] == "invalid"


def test_a_clone_suspect_is_not_plain_genuine(
    app: Flask, client: FlaskClient, app_session: Session, app_signer: PrivateKey, inspector: str
) -> None:
    world = make_world(app_session)
    plain, copied = issue(app_session, world, app_signer, 2)
    for n in range(recent_scans.CLONE_SOURCES):
        scans.record_scan(
            app_session,
            serial=copied.serial,
            label_id=copied.id,
            verdict="genuine",
            channel="web",
            area=None,
            device="Android",
            source_hash=f"src{n}",
        )
    app_session.commit()
    serializer = LabelSerializer(BASE_URL, services(app).keystore.keyring())
    page = client.post(
        "/inspect/check",
        data={"text": url_for_label(copied, app_signer, serializer), "csrf_token": inspector},
    ).get_data(as_text=True)
    ((state, status, headline),) = results(page)
    assert (state, status) == ("clone_suspected", "genuine")
    assert "có thể mang bản sao" in headline and "được kiểm tra từ nhiều mạng" in page
    page = client.post(
        "/inspect/check",
        data={"text": url_for_label(plain, app_signer, serializer), "csrf_token": inspector},
    ).get_data(as_text=True)
    assert results(page)[0][0] == "genuine"
    # The field check records no scan of its own.
    assert label_scans.scan_history(app_session, plain.id).count == 0

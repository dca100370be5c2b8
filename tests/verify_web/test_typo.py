"""A short code with a wrong check character is a typing mistake, told as "check what you
typed" on the page and in the API — never as a fake (issue 9, point 4)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from labels import DecodeError, Reason, parse_short_code, short_code
from labels.encoding import CROCKFORD
from tests.support.codes import Codes
from tests.verify_web.test_api import check

FAKE_WORDS = ("Đừng trả tiền", "Không phải tem OCOP thật", "Not a genuine", "Do not pay")


def mistype(code: str) -> str:
    """``code`` with its first character replaced: the check character no longer matches."""
    first = CROCKFORD[(CROCKFORD.index(code[0]) + 1) % 32]
    return first + code[1:]


def test_a_wrong_check_character_is_reason_mistyped() -> None:
    text = mistype(short_code(0x0ABC_DEF0_1234_567))
    with pytest.raises(DecodeError) as caught:
        parse_short_code(text)
    assert caught.value.reason is Reason.MISTYPED
    with pytest.raises(DecodeError) as caught:
        parse_short_code("ABC")
    assert caught.value.reason is Reason.BAD_LENGTH


def test_the_page_says_check_what_you_typed(client: FlaskClient, codes: Codes) -> None:
    typo = mistype(short_code(codes.genuine_label.serial))
    html = client.get("/check", query_string={"code": typo}).get_data(as_text=True)
    assert 'data-state="mistyped"' in html and 'data-reason="mistyped"' in html
    assert "Kiểm tra lại mã đã nhập" in html
    assert 'id="code"' in html  # the form to type it again
    for words in FAKE_WORDS:
        assert words not in html, words
    english = client.get("/check", query_string={"code": typo, "lang": "en"}).get_data(as_text=True)
    assert "Check the code you typed" in english and "Do not pay" not in english
    # A code typed with a wrong length or a letter short codes never use: also a typing mistake.
    for bad in ("000B-79SW", "UUUU-UUUU-UUUUU"):
        html = client.get("/check", query_string={"code": bad, "lang": "vi"}).get_data(as_text=True)
        assert 'data-state="mistyped"' in html and "Đừng trả tiền" not in html, bad
    # A well-formed code that names no label is still not genuine.
    unknown = short_code(12345)
    html = client.get("/check", query_string={"code": unknown, "lang": "vi"}).get_data(as_text=True)
    assert 'data-state="mistyped"' not in html and "Đừng trả tiền" in html


def test_the_api_gives_reason_mistyped(client: FlaskClient, codes: Codes) -> None:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    typo = mistype(short_code(codes.genuine_label.serial))
    body = client.get(f"/api/v1/verify/{typo}").get_json()
    check(spec, "Verdict", body)
    assert body["reason"] == "mistyped" and body["product"] is None
    assert "mistyped" in spec["components"]["schemas"]["Verdict"]["properties"]["reason"]["description"]

"""The verify fast path (verify_web/fastpath.py) answers exactly what the Flask view answers.

A request with any query string is left to the view (which ignores an unknown argument), so
``?via=view`` gives the view's answer for the same code to compare with."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, Response, request_started
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from traceability.models.activity import Scan
from verify_web.api import routes
from verify_web.hotpath.scan_recorder import writer

BOT = {"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}  # records no scan
PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 13; SM-A045F) AppleWebKit/537.36 Chrome/120 Mobile"}
ROUTE = "/api/v1/verify/<path:code>"


def _digits(url: str) -> str:
    return Codes.path(url)[3:]


def _answer(client: FlaskClient, path: str, **kwargs: object) -> tuple[int, list[tuple[str, str]], bytes]:
    got = client.get(path, **kwargs)  # type: ignore[arg-type]
    headers = sorted((k, v) for k, v in got.headers.items() if k.lower() != "x-request-id")
    return got.status_code, headers, got.data


def _codes_of_every_kind(codes: Codes) -> dict[str, str]:
    genuine = _digits(codes.genuine)
    return {
        "genuine": genuine,
        "expired": _digits(codes.expired),
        "revoked": _digits(codes.revoked),
        "cloned": _digits(codes.cloned),
        "forged": _digits(codes.forged),
        "claimable": _digits(codes.claimable),
        "one digit wrong": genuine[:-5] + str((int(genuine[-5]) + 1) % 10) + genuine[-4:],
        "cut short": genuine[:-30],
        "no label code": "7" * 191,
    }


@pytest.mark.parametrize(
    ("base_url", "secure_cookie"),
    [("http://localhost", False), ("https://localhost", False), ("http://x", True)],
)
def test_fast_answer_is_the_views_answer(
    app: Flask, client: FlaskClient, codes: Codes, base_url: str, secure_cookie: bool
) -> None:
    app.config["SESSION_COOKIE_SECURE"] = secure_cookie
    for kind, digits in _codes_of_every_kind(codes).items():
        path = f"/api/v1/verify/{digits}"
        fast = _answer(client, path, headers=BOT, base_url=base_url)
        view = _answer(client, path + "?via=view", headers=BOT, base_url=base_url)
        assert fast == view, kind
        assert fast[0] == 200
        assert ("Strict-Transport-Security" in dict(fast[1])) is (
            base_url.startswith("https") or secure_cookie
        )


def _page(app: Flask, path: str, language: str | None) -> tuple[int, list[tuple[str, str]], str]:
    """A page from a client of its own (no cookie but ``language``'s), its CSRF token and
    session cookie masked."""
    client = app.test_client()
    if language:
        client.set_cookie("lang", language)
    got = client.get(path, headers=BOT)
    headers = sorted(
        (k, re.sub(r"^session=[^;]+", "session=…", v))
        for k, v in got.headers.items()
        if k.lower() != "x-request-id"
    )
    return (
        got.status_code,
        headers,
        re.sub(r'name="csrf_token" value="[^"]+"', "csrf", got.get_data(as_text=True)),
    )


@pytest.mark.parametrize("prefix", ["/V/", "/v/"])
@pytest.mark.parametrize("language", [None, "en"])
def test_fast_page_is_the_views_page(app: Flask, codes: Codes, prefix: str, language: str | None) -> None:
    for kind, digits in _codes_of_every_kind(codes).items():
        path = f"{prefix}{digits}"
        fast = _page(app, path, language)
        view = _page(app, path + "?via=view", language)
        assert fast[1] == view[1], (kind, set(fast[1]) ^ set(view[1]))
        assert fast == view, kind
        assert fast[0] == 200
        assert ('<html lang="en">' in fast[2]) is (language == "en")
        assert any(k == "Set-Cookie" for k, _v in fast[1]) is (kind == "claimable"), kind  # its claim form


def test_the_fast_path_answers_without_the_view(
    app: Flask, client: FlaskClient, codes: Codes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(code: str) -> None:
        raise AssertionError("the view ran")

    monkeypatch.setitem(app.view_functions, "api.verify_get", refuse)
    monkeypatch.setitem(app.view_functions, "scan.scan_page", refuse)
    path = f"/api/v1/verify/{_digits(codes.genuine)}"
    got = client.get(path, headers=BOT)
    assert got.status_code == 200
    assert got.get_json()["status"] == "genuine"
    assert (
        client.get(Codes.path(codes.genuine), headers=BOT).status_code == 200
    )  # the page's view is called directly
    # Left to the view (here a logged 500): query arguments, a typed short code, HEAD.
    left = [path + "?province=Hà Nội", path + "?lang=en", "/api/v1/verify/ABCD-EFGH-JKLM"]
    for url in left:
        assert client.get(url, headers=BOT).status_code == 500, url
    assert client.head(path, headers=BOT).status_code == 500


def test_the_fast_path_records_the_scan_as_the_view_does(
    app: Flask, client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    label = codes.genuine_label
    path = f"/api/v1/verify/{_digits(codes.genuine)}"
    assert client.get(path, headers=PHONE, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    assert (
        client.get(path + "?via=view", headers=PHONE, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
        == 200
    )
    assert client.get(path, headers=BOT).status_code == 200  # not a person: not recorded
    writer(app).flush()
    fast, view = app_session.scalars(select(Scan).where(Scan.label_id == label.id).order_by(Scan.id)).all()
    for row in (fast, view):
        assert (row.serial, row.verdict, row.channel, row.device) == (
            label.serial,
            "genuine",
            "api",
            "Android",
        )
    assert fast.source_hash == view.source_hash and fast.source_hash is not None
    assert client.get(path, headers=BOT).get_json()["scans"]["count"] == 2


def test_the_fast_path_is_timed_under_the_views_route(client: FlaskClient, codes: Codes) -> None:
    labels = {"route": ROUTE, "status": "2xx"}
    before = REGISTRY.get_sample_value("ocop_request_seconds_count", labels) or 0.0
    assert client.get(f"/api/v1/verify/{_digits(codes.genuine)}", headers=BOT).status_code == 200
    assert REGISTRY.get_sample_value("ocop_request_seconds_count", labels) == before + 1


def test_an_unexpected_error_is_flasks_logged_500(
    app: Flask,
    client: FlaskClient,
    codes: Codes,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken(code: str, seen: object) -> str:
        raise RuntimeError("registry read broke")

    monkeypatch.setattr(routes, "verify_body", broken)
    labels = {"route": ROUTE, "status": "5xx"}
    before = REGISTRY.get_sample_value("ocop_request_seconds_count", labels) or 0.0
    with caplog.at_level(logging.ERROR):
        got = client.get(f"/api/v1/verify/{_digits(codes.genuine)}", headers=BOT)
    assert got.status_code == 500
    assert got.is_json and got.get_json()["error"]["code"] == 500
    assert "registry read broke" not in got.get_data(as_text=True)  # no traceback to the client
    assert "Content-Security-Policy" in got.headers  # Flask's after-request hooks ran
    assert [r for r in caplog.records if r.exc_info and "registry read broke" in str(r.exc_info[1])]
    assert REGISTRY.get_sample_value("ocop_request_seconds_count", labels) == before + 1


def test_a_request_hook_the_fast_path_does_not_know_fails_loudly(
    app: Flask, client: FlaskClient, codes: Codes
) -> None:
    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Stamp"] = "1"
        return response

    with pytest.raises(RuntimeError, match="would skip request hooks it does not know"):
        client.get(f"/api/v1/verify/{_digits(codes.genuine)}", headers=BOT)


def test_a_request_signal_receiver_fails_loudly(app: Flask, client: FlaskClient, codes: Codes) -> None:
    """The fast answers send no request signals; a receiver of one would silently miss every
    verification, so the first one fails instead."""

    def counted(sender: Flask, **extra: object) -> None:
        return None

    request_started.connect(counted, app)
    try:
        with pytest.raises(RuntimeError, match="would not send the 'request-started' signal"):
            client.get(f"/api/v1/verify/{_digits(codes.genuine)}", headers=BOT)
    finally:
        request_started.disconnect(counted, app)

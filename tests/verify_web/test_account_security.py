"""Accounts hardened (issue 13): server-side sessions end every copy of the cookie, sign-in
throttling is keyed on account and source together and counts only failures, and weak
passwords are refused with a Vietnamese message."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.windows import fresh_window
from tests.verify_web.staff import PASSWORD, csrf, login, make_user
from traceability import ValidationError
from traceability.models import StaffSession
from traceability.services import users
from verify_web.staff import auth

HOLDER, ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.66"}


def _copy_cookie(source: FlaskClient, target: FlaskClient) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value, domain=cookie.domain)


def test_a_cookie_copied_before_logout_is_refused_after_it(app: Flask, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    browser, thief = app.test_client(), app.test_client()
    token = login(browser, "boss")
    _copy_cookie(browser, thief)
    assert thief.get("/admin").status_code == 200  # the copy works while the session is open
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/admin").status_code == 302  # ... and not after sign-out
    assert app_session.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_password_change_ends_every_other_session_and_copies(app: Flask, app_session: Session) -> None:
    make_user(app_session, "insp", "inspector")
    mine, other, copy = app.test_client(), app.test_client(), app.test_client()
    token = login(mine, "insp")
    login(other, "insp")
    _copy_cookie(mine, copy)
    new = "vải thiều Lục Ngạn chín đỏ"
    changed = mine.post(
        "/account/password", data={"current": PASSWORD, "new": new, "repeat": new, "csrf_token": token}
    )
    assert changed.status_code == 200
    assert mine.get("/inspect").status_code == 200
    assert other.get("/inspect").status_code == 302
    assert copy.get("/inspect").status_code == 302  # a copy of this browser's old cookie too


def test_admin_reset_and_disable_end_sessions(app: Flask, app_session: Session) -> None:
    uid = make_user(app_session, "insp", "inspector")
    first = app.test_client()
    login(first, "insp")
    users.reset_password(app_session, actor="test", user_id=uid, new="bánh chưng gói lá dong xanh")
    app_session.commit()
    assert first.get("/inspect").status_code == 302
    second = app.test_client()
    login(second, "insp", "bánh chưng gói lá dong xanh")
    users.set_active(app_session, actor="test", user_id=uid, active=False)
    app_session.commit()
    assert second.get("/inspect").status_code == 302


def _attempt(client: FlaskClient, token: str, password: str, source: dict[str, str]) -> int:
    response = client.post(
        "/login",
        data={"username": "boss", "password": password, "csrf_token": token},
        environ_base=source,
    )
    return response.status_code


def test_a_strangers_wrong_passwords_do_not_lock_out_the_holder(app: Flask, app_session: Session) -> None:
    fresh_window(auth.WINDOW)
    make_user(app_session, "boss", "admin")
    attacker, holder = app.test_client(), app.test_client()
    bad = csrf(attacker)
    statuses = [_attempt(attacker, bad, "guess guess guess", ATTACKER) for _ in range(auth.ACCOUNT_LIMIT + 1)]
    assert statuses == [401] * auth.ACCOUNT_LIMIT + [429]
    assert _attempt(attacker, bad, PASSWORD, ATTACKER) == 429  # the attacker's source is locked
    good = csrf(holder)
    assert _attempt(holder, good, PASSWORD, HOLDER) == 302  # the holder's source is not


def test_successful_sign_ins_do_not_count(app: Flask, app_session: Session) -> None:
    fresh_window(auth.WINDOW)
    make_user(app_session, "boss", "admin")
    for _ in range(auth.ACCOUNT_LIMIT + 2):
        client = app.test_client()
        assert _attempt(client, csrf(client), PASSWORD, HOLDER) == 302
    client = app.test_client()
    token = csrf(client)
    # All ten failures are still available after a dozen successes.
    assert [_attempt(client, token, "typo typo typo", HOLDER) for _ in range(auth.ACCOUNT_LIMIT)] == [
        401
    ] * auth.ACCOUNT_LIMIT
    assert _attempt(client, token, PASSWORD, HOLDER) == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "too easy to guess"),
        ("1234567890", "too easy to guess"),
        ("qwertyuiop", "too easy to guess"),
        ("password123", "too easy to guess"),
        ("matkhau123", "too easy to guess"),
        ("nguyenvana", "user name"),
        ("Nguyen.VanA-2026!", "user name"),
        ("short", "at least 10"),
    ],
)
def test_weak_passwords_are_refused(session: Session, password: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        users.check_new_password(password, "nguyenvana")
    assert refused.value.field == "password" and reason in refused.value.message


def test_a_strong_passphrase_is_accepted(session: Session) -> None:
    assert users.check_new_password("gạo tám xoan Hải Hậu thơm", "nguyenvana")


def test_weak_password_message_is_vietnamese(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "dongcao", "admin")
    token = login(client, "dongcao")
    for weak in ("1234567890", "dongcao2026"):
        page = client.post(
            "/account/password",
            data={"current": PASSWORD, "new": weak, "repeat": weak, "csrf_token": token},
        )
        assert page.status_code == 400
        text = page.get_data(as_text=True)
        assert "Mật khẩu" in text and ("quá dễ đoán" in text or "tên đăng nhập" in text), text[:2000]


def test_signing_in_again_ends_the_browsers_previous_session(app: Flask, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    browser, copy = app.test_client(), app.test_client()
    login(browser, "boss")
    _copy_cookie(browser, copy)
    login(browser, "boss")
    assert copy.get("/admin").status_code == 302 and browser.get("/admin").status_code == 200
    assert app_session.scalar(select(func.count()).select_from(StaffSession)) == 1

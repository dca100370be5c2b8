"""Sign-in, throttling, sign-out, password change, session cookie flags, CSRF and headers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.windows import fresh_window
from tests.verify_web.staff import PASSWORD, counts, csrf, login, make_user
from traceability.models import AuditEntry, User
from traceability.services import users
from verify_web.core import security
from verify_web.staff import auth


def test_password_hash_is_scrypt_and_salted() -> None:
    a, b = users.hash_password("same password!"), users.hash_password("same password!")
    assert a.startswith("scrypt$") and a != b
    assert users.check_password(a, "same password!")
    assert not users.check_password(a, "same password?")
    assert not users.check_password("garbage", "x")


def test_login_logout(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    token = csrf(client)
    bad = client.post("/login", data={"username": "boss", "password": "wrong password", "csrf_token": token})
    assert bad.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in bad.get_data(as_text=True)
    assert client.get("/admin").status_code == 302
    good = client.post(
        "/login?next=/admin/audit", data={"username": "BOSS ", "password": PASSWORD, "csrf_token": token}
    )
    assert good.status_code == 302 and good.headers["Location"] == "/admin/audit"
    cookie = good.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie  # base URL is HTTPS
    assert client.get("/admin").status_code == 200
    app_session.expire_all()
    assert app_session.scalar(select(User.last_login_at).where(User.username == "boss")) is not None
    token = csrf(client, "/admin")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin").status_code == 302


def test_next_cannot_leave_the_site(app: Flask, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client = app.test_client()
        token = csrf(client)
        response = client.post(
            f"/login?next={target}", data={"username": "boss", "password": PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == "/admin", target


def test_disabled_account_cannot_sign_in(client: FlaskClient, app_session: Session) -> None:
    uid = make_user(app_session, "gone", "inspector")
    users.set_active(app_session, actor="test", user_id=uid, active=False)
    app_session.commit()
    token = csrf(client)
    assert (
        client.post(
            "/login", data={"username": "gone", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 401
    )


def test_login_is_throttled_per_account(app: Flask, client: FlaskClient, app_session: Session) -> None:
    fresh_window(auth.WINDOW)
    make_user(app_session, "boss", "inspector")
    token = csrf(client)
    for _ in range(auth.ACCOUNT_LIMIT):
        assert (
            client.post(
                "/login", data={"username": "boss", "password": "nope nope", "csrf_token": token}
            ).status_code
            == 401
        )
    # Even the right password is refused while the account is throttled.
    refused = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429
    assert client.get("/inspect").status_code == 302


def test_login_is_throttled_per_source(app: Flask, client: FlaskClient, app_session: Session) -> None:
    fresh_window(auth.WINDOW)
    token = csrf(client)
    statuses = [
        client.post(
            "/login", data={"username": f"user{i}", "password": "x" * 12, "csrf_token": token}
        ).status_code
        for i in range(auth.SOURCE_LIMIT + 1)
    ]
    assert statuses[:-1] == [401] * auth.SOURCE_LIMIT and statuses[-1] == 429


def test_password_change(app: Flask, app_session: Session) -> None:
    make_user(app_session, "insp", "inspector")
    first, second = app.test_client(), app.test_client()
    token = login(first, "insp")
    login(second, "insp")
    before = counts(app_session)
    wrong = first.post(
        "/account/password",
        data={
            "current": "not it at all",
            "new": "a new long password",
            "repeat": "a new long password",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 400
    short = first.post(
        "/account/password",
        data={"current": PASSWORD, "new": "short", "repeat": "short", "csrf_token": token},
    )
    assert short.status_code == 400
    differ = first.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a new long password",
            "repeat": "another long password",
            "csrf_token": token,
        },
    )
    assert differ.status_code == 400
    assert counts(app_session) == before
    ok = first.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a new long password",
            "repeat": "a new long password",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 200
    assert first.get("/inspect").status_code == 200  # this session stays signed in
    assert second.get("/inspect").status_code == 302  # the other one ends
    third = app.test_client()
    login(third, "insp", "a new long password")
    assert (
        app_session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.password")
        )
        == 1
    )


def test_post_without_csrf_is_refused(app: Flask, client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    token = login(client, "boss")
    before = counts(app_session)
    for path, data in [
        (
            "/admin/registry/producers",
            {"legal_name": "X", "kind": "cooperative", "commune": "a", "province": "b"},
        ),
        ("/admin/users", {"username": "newbie", "password": "long enough pw", "role": "inspector"}),
        ("/admin/revocations", {"target": "lot", "value": "1", "reason": "recalled"}),
        ("/logout", {}),
    ]:
        assert client.post(path, data=data).status_code == 400, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    assert counts(app_session) == before
    assert client.get("/admin").status_code == 200  # the forged logout did nothing
    assert token


def test_login_form_needs_csrf(client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    assert client.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 400


def test_security_headers_on_staff_pages(client: FlaskClient, app_session: Session) -> None:
    make_user(app_session, "boss", "admin")
    login(client, "boss")
    for path in ("/login", "/admin", "/inspect/check"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_only_the_field_check_may_compile_the_camera_reader(
    client: FlaskClient, app_session: Session
) -> None:
    """The field check's camera may run the ZXing WebAssembly reader ('wasm-unsafe-eval', as the
    offline app), on its form and its answers alike; every other staff page, and the sign-in
    redirect of the check page itself, keep the strict policy."""
    assert client.get("/inspect/check").headers.getlist("Content-Security-Policy") == [security.CSP]
    make_user(app_session, "kiem", "inspector")
    login(client, "kiem")
    page = client.get("/inspect/check")
    assert page.status_code == 200 and 'id="camera-start"' in page.get_data(as_text=True)
    assert page.headers.getlist("Content-Security-Policy") == [security.WASM_CSP]
    assert security.WASM_CSP.replace(" 'wasm-unsafe-eval'", "") == security.CSP
    refused = client.post("/inspect/check", data={"text": "", "csrf_token": csrf(client, "/inspect/check")})
    assert refused.status_code == 400
    assert refused.headers.getlist("Content-Security-Policy") == [security.WASM_CSP]
    for path in ("/inspect", "/inspect/suspects", "/inspect/reports", "/login"):
        assert client.get(path).headers.getlist("Content-Security-Policy") == [security.CSP], path

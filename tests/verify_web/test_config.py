"""Bad configuration is a one-line ConfigError naming the setting; nothing falls back silently."""

import pytest

from verify_web import create_app
from verify_web.errors import ConfigError

GOOD = {"SECRET_KEY": "s" * 40}


@pytest.mark.parametrize(
    ("config", "name"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"OCOP_BASE_URL": "ftp://x"}, "OCOP_BASE_URL"),
        ({"OCOP_BASE_URL": "https://" + "a" * 40 + ".vn"}, "OCOP_BASE_URL"),
        ({"MAX_CONTENT_LENGTH": "lots"}, "MAX_CONTENT_LENGTH"),
        ({"OCOP_TRUSTED_PROXIES": "two"}, "OCOP_TRUSTED_PROXIES"),
        ({"OCOP_TRUSTED_PROXIES": "-1"}, "OCOP_TRUSTED_PROXIES"),
        ({"OCOP_TRUSTED_PROXIES": "6"}, "OCOP_TRUSTED_PROXIES"),
        ({"OCOP_REVLIST_VALID_HOURS": "1"}, "OCOP_REVLIST_VALID_HOURS"),
        ({"OCOP_REVLIST_VALID_HOURS": "169"}, "OCOP_REVLIST_VALID_HOURS"),
        ({"OCOP_REVLIST_VALID_HOURS": "a day"}, "OCOP_REVLIST_VALID_HOURS"),
        ({"DATABASE_PREPARED_STATEMENTS": "no"}, "DATABASE_PREPARED_STATEMENTS"),
        ({"DATABASE_PREPARED_STATEMENTS": ""}, "DATABASE_PREPARED_STATEMENTS"),
    ],
)
def test_bad_settings(tmp_path, config, name):
    with pytest.raises(ConfigError) as info:
        create_app(GOOD | {"OCOP_INSTANCE": str(tmp_path)} | config)
    assert info.value.name == name and "\n" not in str(info.value)


def test_secret_key_has_no_fallback(tmp_path, monkeypatch):
    monkeypatch.delenv("OCOP_SECRET_KEY", raising=False)
    monkeypatch.delenv("OCOP_SECRET_KEY_FILE", raising=False)
    with pytest.raises(ConfigError) as info:
        create_app({"OCOP_INSTANCE": str(tmp_path)})
    assert info.value.name == "OCOP_SECRET_KEY"
    monkeypatch.setenv("OCOP_SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        create_app({"OCOP_INSTANCE": str(tmp_path)})


def test_secret_key_file_must_be_private(tmp_path, monkeypatch):
    path = tmp_path / "secret"
    path.write_text("k" * 48)
    path.chmod(0o644)
    monkeypatch.delenv("OCOP_SECRET_KEY", raising=False)
    monkeypatch.setenv("OCOP_SECRET_KEY_FILE", str(path))
    with pytest.raises(ConfigError, match="chmod 600"):
        create_app({"OCOP_INSTANCE": str(tmp_path)})
    path.chmod(0o600)
    assert create_app({"OCOP_INSTANCE": str(tmp_path)}).config["SECRET_KEY"] == "k" * 48


def test_defaults_put_the_database_under_instance(tmp_path):
    app = create_app(GOOD | {"OCOP_INSTANCE": str(tmp_path)})
    assert app.config["DATABASE_URL"].database == str(tmp_path / "ocop.db")
    assert app.config["OCOP_BASE_URL"] == "http://127.0.0.1:8000"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app(
        GOOD | {"OCOP_INSTANCE": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")


def test_security_headers_and_error_pages(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Trang này không tồn tại." in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    english = client.get("/no/such/page?lang=en")
    assert "This page does not exist." in english.get_data(as_text=True)
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.json["error"]["code"] == 404


@pytest.mark.parametrize(
    ("given", "expected"), [(None, True), ("on", True), (" OFF ", False), (False, False)]
)
def test_prepared_statements_setting(tmp_path, monkeypatch, given, expected):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    extra = {} if given is None else {"DATABASE_PREPARED_STATEMENTS": given}
    app = create_app(GOOD | {"OCOP_INSTANCE": str(tmp_path)} | extra)
    assert app.config["DATABASE_PREPARED_STATEMENTS"] is expected

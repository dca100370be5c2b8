"""Configuration, read when the app is built — never at import time.

Every value comes from ``create_app(config)`` first, then the environment. Nothing secret has
a default: a missing secret is a :class:`ConfigError` with a one-line message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from labels import BaseURLError, normalize_base_url
from traceability import ValidationError, parse_database_url
from verify_web.errors import ConfigError

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def load(
    overrides: Mapping[str, Any] | None, environ: Mapping[str, str], instance_path: Path
) -> dict[str, Any]:
    """Return the validated settings. Raises :class:`ConfigError`."""
    given = dict(overrides or {})

    def get(name: str, default: Any = None) -> Any:
        return given[name] if name in given else environ.get(name, default)

    settings: dict[str, Any] = {}
    database_url = get("DATABASE_URL") or f"sqlite:///{instance_path / 'ocop.db'}"
    try:
        settings["DATABASE_URL"] = parse_database_url(str(database_url))
    except ValidationError as e:
        raise ConfigError("DATABASE_URL", e.message) from e
    try:
        settings["OCOP_BASE_URL"] = normalize_base_url(str(get("OCOP_BASE_URL", DEFAULT_BASE_URL)))
    except BaseURLError as e:
        raise ConfigError("OCOP_BASE_URL", str(e)) from e
    # The CLI serves no sessions, so it may run without the web secret.
    settings["SECRET_KEY"] = None if given.get("OCOP_CLI") else _secret_key(given, environ)
    settings["OCOP_KEYS_DIR"] = Path(get("OCOP_KEYS_DIR") or instance_path / "keys")
    settings["OCOP_UPLOAD_DIR"] = Path(get("OCOP_UPLOAD_DIR") or instance_path / "uploads")
    settings["OCOP_METRICS_TOKEN"] = None if given.get("OCOP_CLI") else _metrics_token(given, environ)
    settings["OCOP_TIMEZONE"] = str(get("OCOP_TIMEZONE", "Asia/Ho_Chi_Minh"))
    # Shown in every page's footer; not secrets, so unset is allowed (the footer says so).
    settings["OCOP_OPERATOR"] = str(get("OCOP_OPERATOR") or "").strip()[:200] or None
    settings["OCOP_CONTACT"] = str(get("OCOP_CONTACT") or "").strip()[:200] or None
    settings["SESSION_COOKIE_SECURE"] = settings["OCOP_BASE_URL"].startswith("https://")
    settings["SESSION_COOKIE_HTTPONLY"] = True
    settings["SESSION_COOKIE_SAMESITE"] = "Lax"
    settings["MAX_CONTENT_LENGTH"] = _int(get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024), "MAX_CONTENT_LENGTH")
    settings["TESTING"] = bool(given.get("TESTING", False))
    settings["OCOP_TRUSTED_PROXIES"] = _trusted_proxies(get("OCOP_TRUSTED_PROXIES", 0))
    settings["OCOP_REVLIST_VALID_HOURS"] = _revlist_valid_hours(get("OCOP_REVLIST_VALID_HOURS", 48))
    settings["DATABASE_PREPARED_STATEMENTS"] = _on_off(
        get("DATABASE_PREPARED_STATEMENTS", "on"), "DATABASE_PREPARED_STATEMENTS"
    )
    for name, value in given.items():  # extra keys used by tests and blueprints
        settings.setdefault(name, value)
    return settings


def _secret_key(given: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    if given.get("SECRET_KEY"):
        return str(given["SECRET_KEY"])
    value = _secret_from(environ, "OCOP_SECRET_KEY")
    if not value:
        raise ConfigError(
            "OCOP_SECRET_KEY",
            "not set; set OCOP_SECRET_KEY_FILE (a file only you can read) or OCOP_SECRET_KEY",
        )
    if len(value) < 32:
        raise ConfigError("OCOP_SECRET_KEY", "must be at least 32 characters of random text")
    return value


def _secret_from(environ: Mapping[str, str], name: str) -> str | None:
    """The secret in the owner-only file ``<name>_FILE`` if set, else ``<name>``; ``None`` if
    neither is set. Raises :class:`ConfigError` for a file others may read or one unreadable."""
    value, file_name = environ.get(name), environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        try:
            if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigError(f"{name}_FILE", f"{path} is readable by others; run: chmod 600 {path}")
            value = path.read_text("utf-8").strip()
        except OSError as e:
            raise ConfigError(f"{name}_FILE", f"cannot read {path}: {e.strerror}") from e
    return value


def _metrics_token(given: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """The bearer token that ``/metrics`` asks for, or ``None`` (the route then answers 404)."""
    given_token = "OCOP_METRICS_TOKEN" in given
    value = given["OCOP_METRICS_TOKEN"] if given_token else _secret_from(environ, "OCOP_METRICS_TOKEN")
    if value and len(value) < 32:
        raise ConfigError("OCOP_METRICS_TOKEN", "must be at least 32 characters of random text")
    return str(value) if value else None


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"must be a whole number, not {value!r}") from None


def _on_off(value: Any, name: str) -> bool:
    """``on`` or ``off`` (any case; a bool from ``create_app``). Raises :class:`ConfigError`."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in ("on", "off"):
        raise ConfigError(name, f"must be on or off, not {value!r}")
    return word == "on"


MAX_PROXIES = 5


def _trusted_proxies(value: Any) -> int:
    """How many reverse proxies in front of the app append to ``X-Forwarded-For`` (0 to
    :data:`MAX_PROXIES`). Raises :class:`ConfigError`."""
    count = _int(value, "OCOP_TRUSTED_PROXIES")
    if not 0 <= count <= MAX_PROXIES:
        raise ConfigError("OCOP_TRUSTED_PROXIES", f"must be 0 to {MAX_PROXIES}, not {count}")
    return count


REVLIST_VALID_HOURS = (2, 168)


def _revlist_valid_hours(value: Any) -> int:
    """Hours from a revocation list's issue to its ``next_update`` (docs/revocation-list.md §2):
    2 to 168 (a list is re-issued every hour). Raises :class:`ConfigError`."""
    hours = _int(value, "OCOP_REVLIST_VALID_HOURS")
    low, high = REVLIST_VALID_HOURS
    if not low <= hours <= high:
        raise ConfigError("OCOP_REVLIST_VALID_HOURS", f"must be {low} to {high} hours, not {hours}")
    return hours


def instance_path_from(environ: Mapping[str, str]) -> Path | None:
    """Return the instance folder named by ``OCOP_INSTANCE``, if set."""
    value = environ.get("OCOP_INSTANCE")
    return Path(value).resolve() if value else None


def environment() -> Mapping[str, str]:
    return os.environ

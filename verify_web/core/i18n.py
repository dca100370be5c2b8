"""Vietnamese first, English second. The choice sticks in a cookie; ``?lang=en`` switches."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from flask_babel import Babel
from werkzeug.http import parse_cookie

from verify_web.core.query_args import first

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT,
        default_timezone=app.config["OCOP_TIMEZONE"],
        default_translation_directories=str(Path(__file__).parents[1] / "translations"),
    )
    app.after_request(_remember)
    app.jinja_env.globals["current_language"] = select_locale
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES


def select_locale() -> str:
    if "locale" in g:
        return str(g.locale)
    chosen = first(request.args, "lang", None) or first(request.cookies, COOKIE, None) or DEFAULT
    g.locale = chosen if chosen in LANGUAGES else DEFAULT
    return str(g.locale)


def cookie_language(environ: Mapping[str, Any]) -> str:
    """Return the language of a request without ``?lang=`` (the verify fast path's): its
    cookie's, else Vietnamese. The same choice :func:`select_locale` makes for it."""
    header = environ.get("HTTP_COOKIE")
    chosen = parse_cookie(header).get(COOKIE) if header else None
    return chosen if chosen in LANGUAGES else DEFAULT


def _remember(response: Response) -> Response:
    asked = first(request.args, "lang", None)
    if asked in LANGUAGES and asked != first(request.cookies, COOKIE, None):
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response

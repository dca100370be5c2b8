"""Security headers on every response, and CSRF protection on every form.

CSRF: a random token lives in the signed session cookie; every unsafe request to a non-API
route must echo it in the ``csrf_token`` form field or the ``X-CSRF-Token`` header. The JSON
API takes no cookies for authority, so it is exempt.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Request, Response, abort, current_app, make_response, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

from verify_web.core.query_args import first

F = TypeVar("F", bound=Callable[..., object])
P = ParamSpec("P")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Pages that read QR codes through the camera compile the ZXing reader (WebAssembly) where the
# browser has no BarcodeDetector of its own; nothing else is loosened (no inline script, no
# other origin). Only those pages get it: the offline app and the inspectors' field check.
WASM_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EXEMPT_ATTR = "_csrf_exempt"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building the cookie signer for requests that
    carry no session cookie, which is nearly every public scan."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not first(request.cookies, self.get_cookie_name(app), None):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_exempt(view: F) -> F:
    """Mark a view as taking no cookie-based authority (public JSON API endpoints)."""
    setattr(view, _EXEMPT_ATTR, True)
    return view


def wasm_allowed(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
    """Serve ``view``'s pages with :data:`WASM_CSP` (the camera's QR reader may compile its
    WebAssembly). Put it under the role check, so a refusal keeps the strict policy.

    Returns the wrapped view, whose answer is always a :class:`Response`."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Content-Security-Policy"] = WASM_CSP
        return response

    return wrapped


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, _EXEMPT_ATTR, False):
        return
    expected = session.get("csrf")
    given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="csrf")


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=(self)"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(environ: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Return the security headers for a response to the request of WSGI ``environ``: HSTS
    too over HTTPS or when the session cookie is marked secure (served behind TLS)."""
    if environ.get("wsgi.url_scheme") in ("https", "wss") or config["SESSION_COOKIE_SECURE"]:
        return (*SECURITY_HEADERS, HSTS)
    return SECURITY_HEADERS


def _headers(response: Response) -> Response:
    """Add each security header the view did not set itself (one pass over the headers: this
    runs on every response)."""
    headers = response.headers
    wanted = security_headers(request.environ, current_app.config)
    present = {name.lower() for name, _value in headers}
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response

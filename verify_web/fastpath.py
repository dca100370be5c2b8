"""The verify fast path: the two requests a scan makes, ``GET /V/<digits>`` (the URL in every QR)
and ``GET /api/v1/verify/<digits>`` (a scanning app), answered without most of Flask's
per-request machinery.

Why: a first verification of a label in a worker cost ~500 µs of the request thread's CPU, and
a third of that was Flask's machinery, not the verification (py-spy over 6,000 cold JSON
verifications in process): building and pushing the request context and matching the URL
(~60 µs), the before and after hooks and the response object (~70 µs), handing the response
to the server and popping the context (~40 µs). Measured effect: ``docs/performance.md``,
"The verify fast path".

- Both run in an app context (``g``, ``current_app``) with no Flask request, and call the
  views' own code: :func:`verify_web.api.routes.verify_body` for the API;
  :func:`verify_web.public.scan.judged` and :func:`~verify_web.public.scan.page` for the
  page. A page's templates need a request only when drawn (``url_for``), once per lot and
  registry version: :mod:`verify_web.hotpath.requestless` pushes one just for that. A page
  with the claim form (its CSRF token lives in the session) is drawn in a request context
  and finished by Flask (``finalize_request``: the session's cookie and every hook).
- Both answer with the security headers of :mod:`verify_web.core.security`, commit an ORM
  session if one was opened and run the outage's end-of-outage probe, as Flask's hooks do.
  ``tests/verify_web/test_fastpath.py`` compares both answers with the views' for every
  verdict. The app's request hooks are checked against the ones this module stands in for
  at the first request, so a hook added later cannot be skipped silently.
- Only ``GET`` with no query string and a code of ASCII digits: ``?lang=`` (which sets the
  language cookie), ``?province=``, typed short codes, ``HEAD`` and everything else are
  Flask's, unchanged.
- An error is answered by Flask's own error handling, in a request context pushed for it: a
  database outage is the 503 of :mod:`verify_web.core.outage`, anything else the logged 500.
- Metrics are kept under the view's route (:data:`verify_web.core.metrics.ROUTE_KEY`).

Limits: Flask's ``request_started``, ``request_finished`` and ``request_tearing_down``
signals are not sent for these requests (nothing here listens to them; a receiver connected
by the first verification makes it fail loudly, like an unknown request hook). Log lines
written during a fast answer carry the request id (:mod:`verify_web.core.logs` holds it in a
context variable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request_finished, request_started, request_tearing_down

from verify_web.api import routes as api
from verify_web.core import db, i18n, metrics, outage, security
from verify_web.hotpath import requestless
from verify_web.hotpath import scan_recorder as scanlog
from verify_web.public import scan

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# path prefix → (route kind, the view's endpoint)
ROUTES = {
    "/api/v1/verify/": ("api", "api.verify_get"),
    "/V/": ("page", "scan.scan_page"),
    "/v/": ("page", "scan.scan_page"),
}
CONTENT_TYPES = {"api": "application/json", "page": "text/html; charset=utf-8"}
MAX_DIGITS = 400  # a label code has 191; a longer path is left to the view
# The after-request hooks the fast answers stand in for (see _check_hooks): the security
# headers, the outage probe, the language cookie (only for ?lang=), the ORM commit (only with
# an ORM session), the API's CORS headers (a verify answer carries its own).
KNOWN_HOOKS = {
    None: {security._headers, outage._maybe_ended, i18n._remember, db._commit},
    "api": {api._cors},
    "scan": set(),
}
# The before-request hooks: the CSRF check, which passes every GET, is skipped; the wait limit
# is set by the fast answers themselves.
KNOWN_BEFORE = {None: {security._check_csrf, db._limit_request_waits}, "scan": set()}


class FastPath:
    """WSGI wrapper around the Flask app's core (inside the proxy fix, the metrics and the
    request id): answers the two verify requests itself and passes everything else on."""

    def __init__(self, app: Flask, wrapped: WSGIApp) -> None:
        self._app = app
        self._wrapped = wrapped
        self._routes: dict[str, str] = {}  # prefix → the view's route template, at first use
        self._headers: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, str]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = _fast_request(environ)
        if found is None:
            return self._wrapped(environ, start_response)
        prefix, code = found
        kind = ROUTES[prefix][0]
        environ[metrics.ROUTE_KEY] = self._routes.get(prefix) or self._learn(prefix)
        try:
            answer = self._api(environ, code) if kind == "api" else self._page(environ, code)
        except Exception as error:  # answered by Flask's handlers, never swallowed
            return self._flask_answer(environ, start_response, error)
        if isinstance(answer, Response):
            return answer(environ, start_response)
        secure = security.security_headers(environ, self._app.config)
        start_response("200 OK", [*self._fixed(kind, secure), ("Content-Length", str(len(answer)))])
        return [answer]

    def _api(self, environ: dict[str, Any], code: str) -> bytes:
        with self._app.app_context():
            db.limit_waits(db.VERIFY_WAIT)
            body = api.verify_body(code, scanlog.observe(environ)).encode()
            _succeeded()
        return body

    def _page(self, environ: dict[str, Any], code: str) -> bytes | Response:
        app = self._app
        with app.app_context():
            db.limit_waits(db.VERIFY_WAIT)
            requestless.begin(environ, i18n.cookie_language(environ))
            seen = scanlog.observe(environ)
            checked = scan.judged(f"{app.config['OCOP_BASE_URL']}/V/{code}", seen)
            if scan.needs_session(checked):  # the claim form's CSRF token: Flask finishes it
                with app.request_context(environ):  # in this app context: the same g
                    return app.finalize_request(scan.page(checked, seen, code=code))
            html = scan.page(checked, seen, code=code)
            _succeeded()
        return html.encode()

    def _learn(self, prefix: str) -> str:
        """Check the app's hooks, and return (and keep) the route template Flask matches the
        requests under ``prefix`` with (the metrics' label)."""
        _check_hooks(self._app)
        endpoint = ROUTES[prefix][1]
        route = next(r.rule for r in self._app.url_map.iter_rules(endpoint) if r.rule.startswith(prefix))
        self._routes[prefix] = route
        return route

    def _fixed(self, kind: str, secure: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        """The headers every fast answer of ``kind`` has (the view's, bar its length)."""
        found = self._headers.get((kind, secure))
        if found is None:
            own = api.VERIFY_HEADERS if kind == "api" else ()
            found = self._headers[(kind, secure)] = [("Content-Type", CONTENT_TYPES[kind]), *own, *secure]
        return found

    def _flask_answer(
        self, environ: dict[str, Any], start_response: StartResponse, error: Exception
    ) -> Iterable[bytes]:
        """Answer ``error`` as the view's failure would be: Flask's registered handlers (the
        outage's 503), else its logged 500, with every after-request hook run."""
        app = self._app
        context = app.request_context(environ)
        context.push()
        failure: BaseException | None = None
        try:
            try:
                response = app.finalize_request(app.handle_user_exception(error))
            except Exception as unhandled:  # Flask's own last resort: a logged 500
                failure = unhandled
                response = app.handle_exception(unhandled)
            return response(environ, start_response)
        finally:
            context.pop(failure)


def _succeeded() -> None:
    """What Flask's hooks do after a fast answer: the ORM session's commit (see
    :func:`verify_web.core.db.settle`) and the outage's end-of-outage probe."""
    db.settle(succeeded=True)
    outage.succeeded()


def _fast_request(environ: dict[str, Any]) -> tuple[str, str] | None:
    """The path prefix and digits of a request the fast path answers (``None``: Flask's)."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    path: str = environ.get("PATH_INFO", "")
    for prefix, (kind, _endpoint) in ROUTES.items():
        if path.startswith(prefix):
            code = path[len(prefix) :]
            # The API takes a typed short code too (the view tells them apart the same way).
            shortest = 21 if kind == "api" else 1
            if shortest <= len(code) <= MAX_DIGITS and code.isascii() and code.isdigit():
                return prefix, code
            return None
    return None


def _check_hooks(app: Flask) -> None:
    """Raise ``RuntimeError`` if the app has a request hook the fast answers do not stand in
    for, or a receiver of a request signal they do not send (a programming error: the app
    fails its first verification)."""
    for signal in (request_started, request_finished, request_tearing_down):
        if signal.has_receivers_for(app):
            raise RuntimeError(f"verify_web.fastpath would not send the {signal.name!r} signal")
    for registered, expected in (
        (app.after_request_funcs, KNOWN_HOOKS),
        (app.before_request_funcs, KNOWN_BEFORE),
    ):
        for name, known in expected.items():
            unknown = set(registered.get(name, ())) - known
            if unknown:
                raise RuntimeError(
                    f"verify_web.fastpath would skip request hooks it does not know: {unknown}"
                )

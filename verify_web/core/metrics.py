"""Prometheus metrics for the operator: verifications by verdict, the scan writer's queue and
rows, database errors, and request latency per route template.

The API other modules call is four functions — :func:`verification`, :func:`scan_queue`,
:func:`scans_written`, :func:`scans_dropped` — plus :func:`init_app`, which also counts every
database error the app's engine raises (SQLAlchemy's ``handle_error`` event, so no caller has
to) and times every request in a WSGI wrapper.

Under gunicorn each worker is a process, so the values live in ``PROMETHEUS_MULTIPROC_DIR``
(``prometheus_client``'s multiprocess mode): ``gunicorn.conf.py`` makes a fresh owner-only
folder per master before any worker starts, removes a dead worker's live gauges and removes
the folder on exit. ``GET /metrics`` merges the files of every worker. Without that variable
(the CLI, tests, a single process) the values are this process's own.

Who may read them: only a request carrying ``Authorization: Bearer <OCOP_METRICS_TOKEN>``.
Without a configured token the route does not exist (404); a missing or wrong token is a 401.
The reverse proxy should not forward ``/metrics`` from the internet at all.

Cost on the verify path: a labelled child is looked up once and kept in a dict, so a request
pays two ``perf_counter`` calls, one dict lookup and two or three mmap writes (~2 µs).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from verify_web.core.services import services

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

VERIFICATIONS = Counter(
    "ocop_verifications", "Verifications answered, by verdict and channel", ["verdict", "channel"]
)
SCAN_QUEUE = Gauge(
    "ocop_scan_queue_depth",
    "Scan rows waiting in the scan writers' queues (sum over live workers)",
    multiprocess_mode="livesum",
)
SCANS_WRITTEN = Counter("ocop_scans_written", "Scan rows committed by the scan writers")
SCANS_DROPPED = Counter("ocop_scans_dropped", "Scan rows the scan writers gave up on")
DATABASE_ERRORS = Counter("ocop_database_errors", "Database errors raised, by DBAPI error class", ["error"])
REQUESTS = Histogram(
    "ocop_request_seconds",
    "Time to answer a request, by route template and status class",
    ["route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"  # no route: 404s and junk paths share one series
# The route template of a request answered without a Flask request (verify_web.fastpath).
ROUTE_KEY = "ocop.route"

_verifications: dict[tuple[str, str], Any] = {}
_requests: dict[tuple[str, str], Any] = {}
_errors: dict[str, Any] = {}


def verification(verdict: str, channel: str) -> None:
    """Count one verification answered with ``verdict`` on ``channel`` (web, short, api)."""
    child = _verifications.get((verdict, channel))
    if child is None:
        child = _verifications.setdefault((verdict, channel), VERIFICATIONS.labels(verdict, channel))
    child.inc()


def scan_queue(depth: int) -> None:
    """Record how many scan rows this worker's writer has waiting."""
    SCAN_QUEUE.set(depth)


def scans_written(count: int) -> None:
    """Count ``count`` scan rows committed."""
    SCANS_WRITTEN.inc(count)


def scans_dropped(count: int) -> None:
    """Count ``count`` scan rows given up on (the writer's bounded queue shed them)."""
    SCANS_DROPPED.inc(count)


def init_app(app: Flask) -> None:
    """Time the app's requests, count its engine's errors, and add ``/metrics``."""
    app.wsgi_app = _Timed(app.wsgi_app)  # type: ignore[method-assign]
    event.listen(services(app).engine, "handle_error", _database_error)
    app.register_blueprint(bp)


def _database_error(context: ExceptionContext) -> None:
    error = context.original_exception
    name = type(error).__name__
    child = _errors.get(name)
    if child is None:
        child = _errors.setdefault(name, DATABASE_ERRORS.labels(name))
    child.inc()


class _Timed:
    """WSGI wrapper: observe each request's duration under its route template and status
    class. Both are read when the app starts its response: Flask's request (and the rule it
    matched), or the fast path's :data:`ROUTE_KEY`, is still in the environ then, and
    forgotten by the time the app returns. No Flask hook is used, because each costs more
    than this whole wrapper (~3 µs)."""

    def __init__(self, wrapped: WSGIApp) -> None:
        self._wrapped = wrapped

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        key = (UNMATCHED, "5xx")

        def starting(line: str, headers: Any, exc_info: Any = None) -> Any:
            nonlocal key
            route = environ.get(ROUTE_KEY)
            if route is None:
                rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
                route = rule.rule if rule is not None else UNMATCHED
            key = (route, line[0] + "xx")
            return start_response(line, headers, exc_info)

        try:
            return self._wrapped(environ, starting)
        finally:
            child = _requests.get(key)
            if child is None:
                child = _requests.setdefault(key, REQUESTS.labels(*key))
            child.observe(time.perf_counter() - started)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def serve() -> Response:
    """The metrics in Prometheus' text format. 404 unless a token is configured, 401 unless
    the request carries it as a bearer token."""
    token: str | None = current_app.config.get("OCOP_METRICS_TOKEN")
    if not token:
        return Response("not found\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        return Response(
            "unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain"
        )
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    return merged

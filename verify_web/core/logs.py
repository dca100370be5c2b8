"""Structured logs: one JSON object a line, each tied to its request by a request id.

Every request has an id: the ``X-Request-ID`` the reverse proxy sent if it looks like one
(1–128 letters, digits and ``._:-``; nginx's ``$request_id`` is 32 hex digits), or 32 random
hex digits. The response carries it back in ``X-Request-ID``, and every log line written while
the request runs has it as ``request_id``, so an operator can follow one request from the
proxy's access log to the app's errors. The id is held in a context variable for as long as
the app runs the request, so lines written outside Flask's request context (the verify fast
path, ``verify_web.fastpath``) have it too; the scan writer's thread has none. The proxy must
set or overwrite the header; a client can only choose the id of its own request.

Under gunicorn, ``gunicorn.conf.py`` names :class:`GunicornLogger`, which puts
:class:`JsonFormatter` on gunicorn's own logs (worker boots and timeouts, and the access log
when one is asked for) and on the root logger that the app's modules log to. The CLI keeps
plain text for a person at a terminal.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context, request
from gunicorn import glogging  # type: ignore[import-untyped]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
HEADER = "X-Request-ID"
_ENVIRON_KEY = "ocop.request_id"
_CURRENT: ContextVar[str | None] = ContextVar("ocop_request_id", default=None)
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# gunicorn's access log passes its atoms (a dict) as the record's args: the fields kept.
_ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "s": "status", "B": "bytes"}


def init_app(app: Flask) -> None:
    """Give each request its id and return it in the ``X-Request-ID`` response header."""
    app.wsgi_app = _WithRequestId(app.wsgi_app)  # type: ignore[method-assign]


def request_id() -> str:
    """This request's id (the proxy's if sane, else a new random one)."""
    found: str = request.environ.get(_ENVIRON_KEY, "-")
    return found


class _WithRequestId:
    """WSGI wrapper that picks the request's id and adds the response header. A wrapper, not a
    Flask ``after_request`` hook: it costs ~1 µs a request, the hook several."""

    def __init__(self, wrapped: WSGIApp) -> None:
        self._wrapped = wrapped

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        chosen = given if _SANE.fullmatch(given) else secrets.token_hex(16)
        environ[_ENVIRON_KEY] = chosen

        def starting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((HEADER, chosen))
            return start_response(status, headers, exc_info)

        running = _CURRENT.set(chosen)
        try:
            return self._wrapped(environ, starting)
        finally:
            _CURRENT.reset(running)


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time (UTC, ISO 8601), level, logger, message,
    process id, the request id inside a request, and the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if isinstance(record.args, dict) and record.name == "gunicorn.access":
            atoms: dict[str, Any] = record.args
            entry.update({field: atoms.get(atom) for atom, field in _ACCESS_FIELDS.items()})
            entry["duration_ms"] = round(int(atoms.get("D", 0)) / 1000, 3)
            entry["request_id"] = atoms.get("{x-request-id}o")
        elif (running := _CURRENT.get()) is not None:
            entry["request_id"] = running
        elif has_request_context():
            entry["request_id"] = request_id()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class GunicornLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's logger with JSON lines on its handlers and a JSON handler on the root logger."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up (again on reload), then make every one write JSON."""
        super().setup(cfg)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_ocop", False)]:
            root.removeHandler(handler)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        handler._ocop = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.setLevel(self.loglevel)

"""Drawing a scan page without a Flask request (the verify fast path, :mod:`verify_web.fastpath`).

A page needs a request for two things only: ``url_for`` in the templates drawn once per lot and
registry version (the page shell, the place block), and the claim form's CSRF token, which lives
in the session. The fast path runs the page in an app context, names the request's WSGI
environ and language here, and :func:`templates` pushes a request context just around drawing a
template that is not cached yet. A page with a claim form is finished by Flask instead (its
session cookie), see :func:`verify_web.public.scan.needs_session`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, has_request_context

_ENVIRON = "ocop_requestless_environ"


def begin(environ: Mapping[str, Any], language: str) -> None:
    """Note, in this app context, the request being answered and its language."""
    setattr(g, _ENVIRON, environ)
    g.locale = language  # what verify_web.core.i18n.select_locale reads first


@contextmanager
def templates() -> Iterator[None]:
    """Around drawing templates: nothing inside a Flask request; otherwise a request context
    for the environ named by :func:`begin` (``url_for`` builds this request's URLs)."""
    if has_request_context():
        yield
        return
    with current_app.request_context(dict(getattr(g, _ENVIRON))):
        yield

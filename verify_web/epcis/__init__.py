"""EPCIS 2.0 on the verify site (``docs/epcis.md``): the public query interface and a lot's
history (:mod:`.views`), partners' capture (:mod:`.capture`), the admin page and the
``ocop partners`` command that manage partners' tokens (:mod:`.admin`;
:mod:`verify_web.cli.partnerscmd`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import admin, capture, views

    app.register_blueprint(views.bp)
    app.register_blueprint(capture.bp)
    app.register_blueprint(admin.bp)

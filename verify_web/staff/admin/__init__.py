"""The coordination office's pages under ``/admin``: one blueprint per module."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from verify_web.staff import names as staffnames
    from verify_web.staff.admin import accounts, home, imports, keyadmin, printing, registry, revoke

    staffnames.init_app(app)

    for module in (home, revoke, accounts, keyadmin, registry, printing, imports):
        app.register_blueprint(module.bp)

"""The OCOP verify site: the page a label's QR opens, its JSON API, and the staff tools.

``create_app(config=None)`` is the only way to build the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from verify_web.core import config as config_module
from verify_web.core.services import install


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass their own).

    Raises :class:`verify_web.errors.ConfigError` with a one-line message for a missing or bad
    setting.
    """
    environ = config_module.environment()
    instance = (config or {}).get("OCOP_INSTANCE") or config_module.instance_path_from(environ)
    app = Flask(__name__, instance_path=str(instance) if instance else None, instance_relative_config=False)
    app.config.from_mapping(config_module.load(config, environ, Path(app.instance_path)))
    install(app)
    from verify_web.fastpath import FastPath

    # Innermost, so the proxy fix, the metrics and the request id see its requests too.
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    if app.config["OCOP_TRUSTED_PROXIES"]:
        # The client's own address, as the trusted proxies saw it, becomes request.remote_addr,
        # so rate limits and scan sources count clients rather than the proxy. Without the
        # setting X-Forwarded-For is ignored: any client could write it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["OCOP_TRUSTED_PROXIES"])  # type: ignore[method-assign]

    from verify_web import errors
    from verify_web.core import bounds, db, filemodes, i18n, logs, metrics, outage, security

    filemodes.secure(app)  # before the database is first opened

    bounds.init_app(app)  # before any blueprint: its routes are compiled as registered
    db.init_app(app)
    metrics.init_app(app)
    logs.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    outage.init_app(app)

    _register_areas(app)
    return app


def _register_areas(app: Flask) -> None:
    """Register each audience's blueprints (public, API, staff) and the command's groups."""
    from verify_web import epcis
    from verify_web.api import revlist, routes
    from verify_web.cli import register
    from verify_web.core import health
    from verify_web.public import fake_report, gs1, home, locate, offline, scan, verdict_text, wellknown
    from verify_web.staff import admin, auth
    from verify_web.staff.inspector import suspect_review
    from verify_web.staff.inspector import views as inspector
    from verify_web.staff.producer import portal, printing

    app.register_blueprint(health.bp)
    verdict_text.init_app(app)
    for module in (home, scan, fake_report, routes, wellknown, auth):
        app.register_blueprint(module.bp)
    admin.init_app(app)
    for module in (portal, printing, inspector, suspect_review, locate, offline, revlist, gs1):
        app.register_blueprint(module.bp)
    epcis.init_app(app)
    register(app)

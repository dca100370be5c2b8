"""The OCOP verify site: the page a label's QR opens, its JSON API, and the staff tools.

``create_app(config=None)`` is the only way to build the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from keys import Keystore

from . import config as config_module


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass their own).

    Raises :class:`verify_web.config.ConfigError` with a one-line message for a missing or bad
    setting.
    """
    environ = config_module.environment()
    instance = (config or {}).get("OCOP_INSTANCE") or config_module.instance_path_from(environ)
    app = Flask(__name__, instance_path=str(instance) if instance else None, instance_relative_config=False)
    app.config.from_mapping(config_module.load(config, environ, Path(app.instance_path)))
    app.extensions["ocop.keystore"] = Keystore(app.config["OCOP_KEYS_DIR"])
    if app.config["OCOP_TRUSTED_PROXIES"]:
        # The client's own address, as the trusted proxies saw it, becomes request.remote_addr,
        # so rate limits and scan sources count clients rather than the proxy. Without the
        # setting X-Forwarded-For is ignored: any client could write it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["OCOP_TRUSTED_PROXIES"])  # type: ignore[method-assign]

    from . import bounds, db, errors, filemodes, i18n, logs, metrics, outage, security

    filemodes.secure(app)  # before the database is first opened

    bounds.init_app(app)  # before any blueprint: its routes are compiled as registered
    db.init_app(app)
    metrics.init_app(app)
    logs.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    outage.init_app(app)

    from . import api, health, home, present, reports, scan, wellknown

    app.register_blueprint(health.bp)
    present.init_app(app)
    for module in (home, scan, reports, api, wellknown):
        app.register_blueprint(module.bp)

    from . import admin, auth, inspect, producer, producer_printing, suspectreview

    app.register_blueprint(auth.bp)
    admin.init_app(app)
    app.register_blueprint(producer.bp)
    app.register_blueprint(producer_printing.bp)
    app.register_blueprint(inspect.bp)
    app.register_blueprint(suspectreview.bp)

    from . import offline

    app.register_blueprint(offline.bp)

    from . import locate

    app.register_blueprint(locate.bp)

    from . import epcis

    epcis.init_app(app)

    from . import revlist_view

    app.register_blueprint(revlist_view.bp)

    from . import gs1

    app.register_blueprint(gs1.bp)

    from .cli import register

    register(app)
    return app

"""``/healthz``: is the app up and can it reach its database and key set?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from keys import KeysError
from verify_web.core import db
from verify_web.core.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with the check results when healthy, 503 when any check fails."""
    checks: dict[str, str] = {}
    try:
        db.session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as e:
        checks["database"] = f"error: {type(e).__name__}"
    try:
        keyring = services().keystore.keyring()
        checks["keys"] = f"ok ({len(keyring)})"
    except KeysError as e:
        checks["keys"] = f"error: {type(e).__name__}"
    healthy = all(v.startswith("ok") for v in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503

"""``/healthz``: is the app up, can it answer verifications from its database, and can it read
its key set?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from keys import KeysError
from traceability.services import verify_read
from verify_web.core import db
from verify_web.core.services import services

bp = Blueprint("health", __name__)

# Milliseconds the database check waits for a lock on a table the verify read needs. The check
# is the verify read itself, not ``SELECT 1``: with ``labels`` locked by a migration or a
# restore, ``SELECT 1`` said "ok" while every verification answered 503.
LOCK_WAIT_MS = 1000


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with the check results when healthy, 503 when any check fails."""
    checks: dict[str, str] = {}
    try:
        verify_read.probe(db.session().connection(), lock_wait_ms=LOCK_WAIT_MS)
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

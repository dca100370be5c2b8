"""A located check: the scan page asks, with the shopper's consent, for the phone's location
and sends it here for the scan it just served. The coordinates are rounded to the province at
once and never stored (:mod:`traceability.places`); the province joins that scan's row, where
the clone signals read it (:mod:`traceability.services.clones`).

The page carries a token naming the scan (label, time) and bound to the client's rotating
source hash, so a place can only be added to a scan that this client made in the last
:data:`TOKEN_AGE`, once. It is the request's only authority (no cookie), so CSRF does not apply.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, current_app, jsonify, request

from traceability import places
from traceability.services import clones
from verify_web.core import db, ratelimit
from verify_web.core.security import csrf_exempt
from verify_web.hotpath import scan_recorder as scanlog

bp = Blueprint("locate", __name__)

TOKEN_AGE = timedelta(minutes=30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A position less precise than this comes from the network, not the phone: it can be a
# province off, so it is not used.
MAX_ACCURACY_M = 5000.0


def token(label_id: int, seen: scanlog.Observation) -> str:
    """Return the token that lets this client locate the scan ``seen`` of ``label_id``."""
    stamp = (seen.at - EPOCH) // timedelta(microseconds=1)
    return f"{label_id}.{stamp}.{_mac(label_id, stamp, seen.source or '')}"


def _mac(label_id: int, stamp: int, source: str) -> str:
    message = f"{label_id}.{stamp}.{source}".encode()
    return hashlib.blake2b(message, key=_key(current_app.config["SECRET_KEY"]), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # Derived once per secret, not on every scan page (the page signs a token per request).
    return hashlib.blake2b(secret.encode(), person=b"ocop-place", digest_size=32).digest()


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": status, "message": message}), status


def _number(value: object, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else None


@bp.post("/place")
@csrf_exempt
def place() -> Response | tuple[Response, int]:
    """Record the province of a scan: ``{"scan": token, "lat": …, "lon": …, "accuracy": m}``.
    200 with the province's name (``null`` outside Việt Nam or too imprecise); 400 for a bad
    body or token; 409 while the scan is not written yet or was located already; 429 past
    the rate limit."""
    ratelimit.hit(db.engine(), "place", ratelimit.client_key(), limit=60, per=timedelta(hours=1))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("scan"), str):
        return _error(400, 'send {"scan": "<token>", "lat": <number>, "lon": <number>, "accuracy": <metres>}')
    lat, lon = _number(body.get("lat"), -90, 90), _number(body.get("lon"), -180, 180)
    accuracy = _number(body.get("accuracy"), 0, 1e7)
    parts = body["scan"].split(".")
    well_formed = len(parts) == 3 and all(p.isdigit() and len(p) <= 17 for p in parts[:2])
    if lat is None or lon is None or accuracy is None or not well_formed:
        return _error(400, "lat, lon, accuracy must be numbers in range and scan a token from the page")
    label_id, stamp = int(parts[0]), int(parts[1])
    source = scanlog.source_hash(request.environ)
    scan_at = EPOCH + timedelta(microseconds=stamp)
    now = datetime.now(UTC)
    if not hmac.compare_digest(_mac(label_id, stamp, source), parts[2][:64]) or not (
        now - TOKEN_AGE <= scan_at <= now
    ):
        return _error(400, "this scan token is not valid here or has expired; scan the code again")
    province = places.locate(lat, lon) if accuracy <= MAX_ACCURACY_M else None
    if province is None:
        return jsonify(province=None)
    if not clones.record_place(
        db.session(), label_id=label_id, scan_at=scan_at, source=source, province=province, now=now
    ):
        return _error(409, "this scan is not recorded yet, or already has a place; try again shortly")
    return jsonify(province=places.name(str(province)))

"""``GET /api/v1/revocation-list``: the signed revocation list and its deltas for offline
clients (docs/revocation-list.md §7). Read-only and cookie-free, so CORS is open.

Each request reads the committed version (one primary-key read); a worker signs a list once
per version, hour and key and keeps the bytes, plain and gzipped. Without a key that can sign,
a 503: never an unsigned list, nor one signed by a key that is no longer active.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session

from keys import KeysError, PrivateKey
from labels import revlist
from traceability.services import revocation_feed
from usecases import revocation_list as signed_list
from verify_web import errors
from verify_web.core import db
from verify_web.core.security import csrf_exempt
from verify_web.core.services import services

bp = Blueprint("revlist", __name__, url_prefix="/api/v1")

MAX_SINCE = 2**53 - 1  # the largest integer a JavaScript client holds exactly
CACHED = 32  # representations a worker keeps: the full list and the deltas being asked for
RETRY_AFTER = "300"
CORS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag"),
)
PREFLIGHT = (
    ("Access-Control-Allow-Methods", "GET, OPTIONS"),
    ("Access-Control-Allow-Headers", "If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)
# HTTP caches may serve an older list while the network fails: the client judges a list by its
# own signed issued_at and next_update, never by HTTP freshness (§7).
CACHE_CONTROL = {
    revlist.FULL_TYPE: "public, max-age=300, stale-if-error=604800",
    revlist.DELTA_TYPE: "public, max-age=60, stale-if-error=86400",
}

Served = tuple[str, bytes, bytes, str]  # typ, body, gzipped body, ETag digest


@bp.route("/revocation-list", methods=["GET", "OPTIONS"])
@csrf_exempt
def revocation_list() -> Response | errors.ErrorAnswer:
    """The full list, or with ``?since=V`` a delta from version V (or the full list when no
    delta applies). 304 for a matching ``If-None-Match``; 400 for a bad ``since``; 503 when no
    key can sign."""
    if request.method == "OPTIONS":
        return Response(status=204, headers=[*CORS, *PREFLIGHT])
    try:
        since = _since(request.args.get("since"))
    except ValueError:
        return errors.answer(400, f"since must be a whole number from 0 to {MAX_SINCE}", dict(CORS))
    signer = _signer()
    if signer is None:
        return errors.answer(
            503, "the revocation list cannot be signed now", {"Retry-After": RETRY_AFTER, **dict(CORS)}
        )
    session = db.session()
    issue = revlist.issue_for(
        current_app.config["OCOP_BASE_URL"],
        revocation_feed.current_version(session),
        datetime.now(UTC),
        current_app.config["OCOP_REVLIST_VALID_HOURS"],
    )
    served = _served(session, issue, since, signer)
    return _response(served)


def _since(value: str | None) -> int | None:
    """``None`` without ``since``, else the version. Raises ``ValueError`` for a bad value."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 16 or int(value) > MAX_SINCE:
        raise ValueError(value)
    return int(value)


def _served(session: Session, issue: revlist.Issue, since: int | None, signer: PrivateKey) -> Served:
    cache: dict[tuple[object, ...], Served] = current_app.extensions.setdefault("ocop.revlist_served", {})
    key = (since, issue, signer.kid)
    found = cache.get(key)
    if found is None:
        typ, body = signed_list.build(session, issue, since, signer)
        zipped = gzip.compress(body, compresslevel=6, mtime=0)
        found = (typ, body, zipped, hashlib.sha256(body).hexdigest()[:32])
        while len(cache) >= CACHED:
            cache.pop(next(iter(cache)))
        cache[key] = found
    return found


def _response(served: Served) -> Response:
    typ, body, zipped, digest = served
    compressed = request.accept_encodings["gzip"] > 0
    response = Response(zipped if compressed else body, mimetype=revlist.MEDIA_TYPE)
    response.headers.extend(CORS)
    response.headers["Cache-Control"] = CACHE_CONTROL[typ]
    response.headers["Vary"] = "Accept-Encoding"
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(f"{digest}-gz" if compressed else digest)
    # Either encoding's ETag names the same list: a client holding one need not fetch the other.
    if request.if_none_match.contains(digest) or request.if_none_match.contains(f"{digest}-gz"):
        response.status_code = 304
        response.set_data(b"")
        del response.headers["Content-Encoding"]
    return response


def _signer() -> PrivateKey | None:
    """The active key (decrypted once per worker and key by the app's services); ``None``,
    logged once per worker until a key can sign again, when no key can sign."""
    found = services()
    try:
        signer = found.signer()
    except KeysError as e:
        if not _UNSIGNED:
            _UNSIGNED.add(True)
            current_app.logger.error("revocation list cannot be signed: %s", e)
        return None
    _UNSIGNED.clear()
    return signer


# Whether this worker has logged that the list cannot be signed (one line per outage, not one
# per request).
_UNSIGNED: set[bool] = set()

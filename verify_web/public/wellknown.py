"""The public key set, for offline verifiers: ``/.well-known/ocop-keys.json`` (and the usual
``/.well-known/jwks.json`` alias). ``keys`` holds the keys to trust (active, retired); the
``compromised`` member lists compromised keys with their time (docs/label-code.md §5).

Open to any origin, with an ETag (a browser verifier re-checks cheaply) and an answer to the
CORS preflight a browser sends before a request with ``If-None-Match`` or ``Cache-Control``.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, request

from keys import Keyring
from verify_web.core.services import services

bp = Blueprint("wellknown", __name__)

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Cache-Control",
    "Access-Control-Expose-Headers": "ETag",
    "Access-Control-Max-Age": "86400",
}


@bp.get("/.well-known/ocop-keys.json", provide_automatic_options=False)
@bp.get("/.well-known/jwks.json", provide_automatic_options=False)
def keys() -> Response:
    """The JWKS, cacheable for a few minutes; 304 for a matching ``If-None-Match``."""
    keyring: Keyring = services().keystore.keyring()
    body = json.dumps(keyring.to_jwks(), separators=(",", ":")).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    response = Response(body, mimetype="application/json", headers=CORS)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(etag)
    response.make_conditional(request)  # 304 without a body for a matching If-None-Match
    return response


@bp.route("/.well-known/ocop-keys.json", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/.well-known/jwks.json", methods=["OPTIONS"], provide_automatic_options=False)
def preflight() -> Response:
    """The CORS preflight: any origin may GET the key set."""
    return Response(status=204, headers=CORS)

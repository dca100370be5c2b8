"""The public JSON API under ``/api/v1/``: verify a code, the signed revocation list, and the
OpenAPI document. Read-only and cookie-free, so CORS is open and CSRF does not apply."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import ServiceUnavailable

from keys import Keyring, KeysError, KeyStatus, PrivateKey
from traceability.services import revocation_list
from verify_web.api import openapi
from verify_web.core import clock, db
from verify_web.core.query_args import first
from verify_web.core.security import csrf_exempt
from verify_web.core.services import services
from verify_web.hotpath import scan_recorder as scanlog
from verify_web.hotpath import verdict_cache as verdicts
from verify_web.public.verdict_text import facts_json, verdict_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_QR = 2000  # far above any real label text; longer input is refused before parsing
MAX_AREA = 100


# CORS for a read-only, cookie-free API: any origin may read it. A plain GET needs only the
# origin header; the methods and request headers matter only to a preflight (OPTIONS), and
# only the revocation list has an ETag to expose.
CORS_ORIGIN = ("Access-Control-Allow-Origin", "*")
PREFLIGHT = (
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)
VERIFY_HEADERS = (CORS_ORIGIN, ("Cache-Control", "no-store"))
# The old list's successor is /api/v1/revocation-list (docs/revocation-list.md §12; RFC 9745).
DEPRECATED = (
    ("Deprecation", "@1764547200"),
    ("Link", '</api/v1/revocation-list>; rel="successor-version"'),
)


@bp.after_request
def _cors(response: Response) -> Response:
    if isinstance(response, _VerifyAnswer):
        return response  # built with its CORS and cache headers; not a preflight, no ETag
    headers = response.headers
    if "Access-Control-Allow-Origin" not in headers:  # once, should a view set its own
        headers.add(*CORS_ORIGIN)
    if request.method == "OPTIONS":
        headers.extend(PREFLIGHT)
    if "ETag" in headers:
        headers.add("Access-Control-Expose-Headers", "ETag")
    headers.setdefault("Cache-Control", "no-store")
    return response


def _keyring() -> Keyring:
    keyring: Keyring = services().keystore.keyring()
    return keyring


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": status, "name": "Bad Request", "message": message}), status


class _VerifyAnswer(Response):
    """A verify answer: it carries :data:`VERIFY_HEADERS` from the start, so :func:`_cors` has
    nothing to add (each of its header lookups scans the whole header list)."""


def _body(checked: verdicts.Checked, seen: scanlog.Observation) -> str:
    """Queue the scan and return the JSON body of its verdict."""
    scanlog.record(checked.verdict, seen, channel="api")
    verdict = checked.verdict
    drawn = verdicts.fragment(checked, "json", "", lambda: facts_json(verdict))
    return verdict_json(verdict, checked.history, drawn=drawn)


def _answer(body: str) -> Response:
    return _VerifyAnswer(body, mimetype="application/json", headers=VERIFY_HEADERS)


def verify_body(code: str, seen: scanlog.Observation) -> str:
    """Judge ``code`` (the digits of a label URL, or else a typed short code) for the asker
    ``seen``, queue the scan and return the JSON body: the one verification of
    ``GET /api/v1/verify/<code>``, in this view and in :mod:`verify_web.fastpath`. Raises what
    the registry read raises (a database outage is answered by :mod:`verify_web.core.outage`)."""
    is_code = code.isdigit() and len(code) > 20
    return _body(verdicts.scan(code, seen) if is_code else verdicts.short_code(code[:100], seen), seen)


@bp.get("/verify/<path:code>")
def verify_get(code: str) -> Response | tuple[Response, int]:
    """Verify the digits of a label URL (``/V/<digits>``) or a typed short code. 400 for a
    ``province`` longer than :data:`MAX_AREA`."""
    province = first(request.args, "province", "")
    if len(province) > MAX_AREA:
        return _error(400, f"province must be text of at most {MAX_AREA} characters")
    return _answer(verify_body(code, scanlog.observe(request.environ, claimed_area=province.strip() or None)))


@bp.post("/verify")
@csrf_exempt
def verify_post() -> Response | tuple[Response, int]:
    """Verify raw scanned QR text ``{"qr": "..."}``; a QR for another site is flagged
    ``foreign_domain``. 400 for a body that is not such an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("qr"), str):
        return _error(400, 'send a JSON object like {"qr": "<scanned text>"}')
    qr: str = body["qr"]
    if len(qr) > MAX_QR:
        return _error(400, f"qr is longer than {MAX_QR} characters")
    province = body.get("province")
    if province is not None and (not isinstance(province, str) or len(province) > MAX_AREA):
        return _error(400, f"province must be text of at most {MAX_AREA} characters")
    seen = scanlog.observe(request.environ, claimed_area=(province or "").strip() or None)
    return _answer(_body(verdicts.scan(qr, seen, our_base_url=current_app.config["OCOP_BASE_URL"]), seen))


@bp.get("/revocations")
def revocations() -> Response:
    """The signed, versioned list of revoked labels and compromised keys.

    Rebuilt only when its version changes (one aggregate query per request decides, so a new
    revocation shows at once on every worker). 304 for a matching ``If-None-Match``.
    """
    session = db.session()
    keyring = _keyring()
    compromised = sorted(k.kid for k in keyring if k.status is KeyStatus.COMPROMISED)
    version = revocation_list.list_version(session) + len(compromised)
    signer = _signer()
    cache_key = (version, tuple(compromised), signer.kid)
    cached = services().revocation_list
    if cached is None or cached[0] != cache_key:
        document = {
            "version": version,
            "issuer": current_app.config["OCOP_BASE_URL"],
            "generated_at": clock.today().isoformat(),
            "compromised_keys": compromised,
            "revoked": [
                {"serial": str(r.serial), "reason": r.reason, "revoked_at": r.revoked_at.isoformat()}
                for r in revocation_list.revoked_labels(session)
            ],
        }
        signed = canonical(document)
        body = json.dumps(
            {"list": document, "alg": "EdDSA", "kid": signer.kid, "signature": _b64url(signer.sign(signed))},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        etag = hashlib.sha256(body).hexdigest()[:32]
        cached = (cache_key, body, etag)
        services().revocation_list = cached
    _, body, etag = cached
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    response.headers.extend(DEPRECATED)
    response.make_conditional(request)
    return response


def canonical(document: dict[str, Any]) -> bytes:
    """The exact bytes the revocation list's signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signer() -> PrivateKey:
    try:
        return services().signer()
    except KeysError as e:
        current_app.logger.error("revocation list cannot be signed: %s", e)
        raise ServiceUnavailable() from e


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API."""
    response = jsonify(openapi.document(current_app.config["OCOP_BASE_URL"]))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

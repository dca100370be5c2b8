"""``POST /epcis/capture``: a partner adds shipping and receiving events to its producer's lots
with ``Authorization: Bearer <token>``. Capture is synchronous and atomic: the answer is
``202 Accepted`` with ``Location: /epcis/capture/<id>`` (the EPCIS 2.0 capture job, already
finished, readable by the same token), or an error and nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from traceability.exc import CaptureRejected, NotFound, NotPartnersLot, TokenRefused
from traceability.models import Partner, utcnow
from traceability.services import epcis_capture, partners
from verify_web.core import db, ratelimit
from verify_web.core.security import csrf_exempt

from .answers import context, document, handle_http_errors, problem

bp = Blueprint("epcis_capture", __name__, url_prefix="/epcis/capture")
handle_http_errors(bp)
# Counted per client address before the token is looked at, so guessing tokens is slow too.
CAPTURES_PER_MINUTE = 30
MEDIA_TYPES = ("application/json", "application/ld+json")


def _partner() -> Partner | Response:
    """The partner whose token the request carries, or the 401 answer."""
    ratelimit.hit(
        db.engine(),
        "epcis-capture",
        ratelimit.client_key(),
        limit=CAPTURES_PER_MINUTE,
        per=timedelta(minutes=1),
    )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not 20 <= len(token.strip()) <= 200:
        answer = problem(401, "SecurityException", "send Authorization: Bearer <partner token>")
        answer.headers["WWW-Authenticate"] = 'Bearer realm="epcis"'
        return answer
    try:
        return partners.authenticate(db.session(), token.strip())
    except TokenRefused as e:
        answer = problem(401, "SecurityException", str(e))
        answer.headers["WWW-Authenticate"] = 'Bearer realm="epcis", error="invalid_token"'
        return answer


def _job(found: epcis_capture.Capture) -> dict[str, Any]:
    ctx = context()
    return {
        "captureID": str(found.capture_id),
        "createdAt": ctx.time(found.at),
        "finishedAt": ctx.time(found.at),
        "running": False,
        "success": True,
        "captureErrorBehaviour": "rollback",
        "errors": [],
        "eventIDs": found.event_ids,
    }


@bp.post("")
@csrf_exempt  # a bearer token, not a browser session, authorises this route
def capture() -> Response:
    """Capture an EPCISDocument of ObjectEvents (rules: :mod:`traceability.epcis.capture`)."""
    partner = _partner()
    if isinstance(partner, Response):
        return partner
    if request.mimetype not in MEDIA_TYPES:
        return problem(415, "ImplementationException", "send application/ld+json or application/json")
    try:
        body = current_app.json.loads(request.get_data())
    except ValueError:
        return problem(400, "ValidationException", "the body is not JSON")
    ctx, partner_id = context(), partner.id
    try:
        found = db.write(
            lambda session: epcis_capture.capture_document(
                session, ctx, partner=session.get_one(Partner, partner_id), document=body, now=utcnow()
            )
        )
    except CaptureRejected as e:
        return problem(400, "ValidationException", "the document was not captured", e.problems)
    except NotPartnersLot as e:
        return problem(403, "SecurityException", str(e))
    location = url_for("epcis_capture.job", capture_id=found.capture_id)
    return document(_job(found), status=202, headers={"Location": location})


@bp.get("/<int:capture_id>")
def job(capture_id: int) -> Response:
    """One of the caller's captures, as EPCIS 2.0's capture job."""
    partner = _partner()
    if isinstance(partner, Response):
        return partner
    try:
        found = epcis_capture.get_capture(db.session(), partner=partner, capture_id=capture_id)
    except NotFound:
        return problem(404, "NoSuchResourceException", f"capture {capture_id} not found")
    return document(_job(found))

"""The public, read-only EPCIS query interface: ``GET /epcis/events`` (SimpleEventQuery over
the REST binding, paginated with ``perPage`` and ``nextPageToken``) and ``GET
/epcis/lots/<id>``, a lot's whole history as one EPCISDocument.

Public, like the journey on the scan page: every event served is one the registry already
shows shoppers (journey steps, how many labels a lot was issued, revocations), and partners
can capture only public fields (:mod:`traceability.epcis.capture`)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, request, url_for

from traceability.epcis import events, query
from traceability.exc import NotFound, QueryParameterError
from traceability.models import utcnow
from traceability.services import epcis_events
from verify_web.core import db, ratelimit

from .answers import context, document, handle_http_errors, problem

bp = Blueprint("epcis", __name__, url_prefix="/epcis")
handle_http_errors(bp)
# A query may read many rows; a client reading every page of the registry stays well below.
QUERIES_PER_MINUTE = 120


def _limit() -> None:
    ratelimit.hit(
        db.engine(), "epcis-query", ratelimit.client_key(), limit=QUERIES_PER_MINUTE, per=timedelta(minutes=1)
    )


@bp.get("/events")
def query_events() -> Response:
    """Events matching the query string, oldest first; the next page is in the ``Link``
    header (``rel="next"``) and ``GS1-Next-Page-Token``."""
    _limit()
    try:
        q = query.parse(request.args.to_dict(flat=False))
    except QueryParameterError as e:
        return problem(400, "QueryParameterException", f"{e.parameter}: {e.reason}")
    ctx = context()
    page = epcis_events.query_events(db.session(), ctx, q)
    headers = {}
    if page.next_token is not None:
        arguments = {
            **request.args.to_dict(flat=True),
            "nextPageToken": page.next_token,
            "perPage": str(q.per_page),
        }
        headers["Link"] = f'<{url_for("epcis.query_events", _external=True, **arguments)}>; rel="next"'
        headers["GS1-Next-Page-Token"] = page.next_token
    return document(events.query_document(ctx, page.events, created=utcnow()), headers=headers)


@bp.get("/lots/<int:lot_id>")
def lot_history(lot_id: int) -> Response:
    """The lot's full history as one EPCISDocument (also the lot's identifier when its
    product has no GTIN)."""
    _limit()
    ctx = context()
    try:
        found = epcis_events.lot_history(db.session(), ctx, lot_id)
    except NotFound:
        return problem(404, "NoSuchResourceException", f"lot {lot_id} not found")
    return document(events.document(ctx, found, created=utcnow()))


@bp.get("/certifications/<int:certification_id>")
def certification(certification_id: int) -> Response:
    """What an event's ``certificationInfo`` names: the OCOP certification, as GS1 Web
    Vocabulary."""
    _limit()
    try:
        facts = epcis_events.certification(db.session(), certification_id)
    except NotFound:
        return problem(404, "NoSuchResourceException", f"certification {certification_id} not found")
    return document(events.certification(context(), facts))


@bp.get("/locations/province/<int:code>")
def province(code: int) -> Response:
    """What a readPoint or bizLocation names: one of the 34 provinces."""
    found = events.location(context(), code)
    if found is None:
        return problem(404, "NoSuchResourceException", f"province {code} not found")
    return document(found)

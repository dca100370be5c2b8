"""The GS1-conformant resolver for ``/01/{GTIN}[/10/{lot}][/21/{serial}]`` on the verify site.

Content negotiation on one URI: a person (a browser) gets the verdict page of a signed OCOP label
(the same page, verdict and scan record as ``/V/…``), or is sent to the product page;
``linkType=all`` or ``Accept: application/linkset+json`` gets the RFC 9264 linkset;
``linkType=<type>`` is a 307 to that link with the query passed on, 404 if there is none.
Bad GS1 syntax is a 400 with the rule it breaks. Every answer carries CORS headers and the
``Link`` header. See README "GS1 Digital Link resolver" for the conformance statements tested.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, urlencode

from flask import Blueprint, Response, current_app, request

from labels.digitallink import LinkError, parse_path
from traceability.services.tradeitems import trade_item
from verify_web.core import clock, db
from verify_web.public import scan

from . import links

bp = Blueprint("gs1", __name__)

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location",
    "Access-Control-Max-Age": "86400",
}
LABEL_PARAMS = ("17", "s")  # the signed label's own query (docs/label-code.md §9.2), in order


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers.update(CORS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def error(status: int, reason: str, message: str) -> Response:
    """A JSON error: ``{"error": {"code", "reason", "message"}}`` (never a 200)."""
    body = {"error": {"code": status, "reason": reason, "message": message}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


def raw_path() -> tuple[list[str], list[tuple[str, str]]]:
    """The request path's segments as sent (percent-encoded: ``%2F`` inside a lot stays one
    segment) and the query's pairs in order."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path)
    path = raw.partition("?")[0].partition("#")[0]
    segments = path.split("/")[1:]
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()  # a trailing slash is tolerated
    return segments, parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)


@bp.route("/01/<path:_rest>", methods=["GET", "HEAD", "OPTIONS"], provide_automatic_options=False)
def resolve(_rest: str) -> Response | str:
    """Resolve a GS1 Digital Link URI of a trade item (see the module docstring)."""
    if request.method == "OPTIONS":
        return Response(status=204)
    segments, query = raw_path()
    try:
        item_link = parse_path(segments)
    except LinkError as e:
        return error(400, e.problem.value, str(e))
    base = current_app.config["OCOP_BASE_URL"]
    params = dict(query)
    signed = item_link.lot is not None and item_link.serial is not None and "s" in params
    label_uri = None
    if signed:
        own = [(k, params[k]) for k in LABEL_PARAMS if k in params]
        label_uri = f"{base}/{'/'.join(segments)}?{urlencode(own)}"
    asked = links.Request(item_link.gtin, item_link.lot, item_link.serial, label_uri)
    wanted = params.get("linkType")
    best = request.accept_mimetypes.best_match(["text/html", links.LINKSET_TYPE, "application/json"])
    if wanted is None and best == "text/html" and label_uri is not None:
        page = Response(scan.judged_page(label_uri, code=None), mimetype="text/html")
        page.vary.add("Accept")
        return page
    serial = int(item_link.serial) if item_link.serial and item_link.serial.isdigit() else None
    item = trade_item(db.session(), item_link.gtin, lot=item_link.lot, serial=serial, today=clock.today())
    if item is None:
        return error(404, "not_found", "no product with this GTIN is registered here")
    # Link targets are pages, written with the lower-case host a browser shows; the label's
    # own URI stays as printed (upper-case host, see docs/label-code.md §3).
    site = base.lower()
    found = links.links_for(site, asked, item)
    return _answer(asked, found, wanted, best, query, site)


def _answer(
    asked: links.Request,
    found: list[links.Link],
    wanted: str | None,
    best: str | None,
    query: list[tuple[str, str]],
    base: str,
) -> Response:
    if wanted == "all" or (wanted is None and best in (links.LINKSET_TYPE, "application/json")):
        media = "application/json" if best == "application/json" else links.LINKSET_TYPE
        answer = Response(json.dumps(links.linkset(links.anchor(base, asked), found)), mimetype=media)
    else:
        rel = "defaultLink" if wanted is None else links.link_type(wanted)
        target = found[0] if rel == "defaultLink" else next((x for x in found if x.rel == rel), None)
        if target is None:
            answer = error(404, "no_link", f"this item has no link of type {wanted}")
        else:
            answer = Response(status=307, headers={"Location": _passed_on(target.href, query)})
    answer.headers["Link"] = links.link_header(found)
    answer.vary.add("Accept")
    return answer


def _passed_on(href: str, query: list[tuple[str, str]]) -> str:
    """``href`` with the request's query pairs appended (GS1: the query string is passed on),
    except ``linkType`` and pairs the target already names."""
    present = {k for k, _ in parse_qsl(href.partition("?")[2], keep_blank_values=True)}
    extra = [(k, v) for k, v in query if k != "linkType" and k not in present]
    if not extra:
        return href
    return f"{href}{'&' if '?' in href else '?'}{urlencode(extra)}"

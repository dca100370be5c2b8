"""What the resolver's links point to: the product page (``gs1:pip``), the certification
(``gs1:certificationInfo``), the recall status (``gs1:recallStatus``) and the resolver
description file ``/.well-known/gs1resolver``. Read-only and open to any origin."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template, request

from labels.digitallink import GTIN, LinkError, parse_path
from traceability.services.tradeitems import TradeItem, trade_item
from verify_web.core import clock, db

from .links import VOC
from .resolver import bp, error, raw_path


def _item(segments: list[str]) -> TradeItem | Response:
    """The registry's trade item named by Digital Link path segments, or the 400/404 answer."""
    try:
        named = parse_path(segments)
    except LinkError as e:
        return error(400, e.problem.value, str(e))
    serial = int(named.serial) if named.serial and named.serial.isdigit() else None
    found = trade_item(db.session(), named.gtin, lot=named.lot, serial=serial, today=clock.today())
    return (
        found
        if found is not None
        else error(404, "not_found", "no product with this GTIN is registered here")
    )


def _json(document: object) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")


@bp.get("/gs1/product/<gtin>")
def product(gtin: str) -> Response | str:
    """The product information page (Vietnamese first): product, producer, stars, certificate."""
    item = _item([GTIN, gtin])
    if isinstance(item, Response):
        return item
    return render_template("gs1_product.html", item=item)


@bp.get("/gs1/certification/<gtin>")
def certification(gtin: str) -> Response:
    """The product's OCOP certification as JSON (404 if it has none)."""
    item = _item([GTIN, gtin])
    if isinstance(item, Response):
        return item
    cert = item.certification
    if cert is None:
        return error(404, "no_link", "this product has no OCOP certification")
    return _json(
        {
            "gtin": item.gtin,
            "product": item.product_name,
            "producer": item.producer_name,
            "province": item.province,
            "scheme": "OCOP",
            "stars": cert.stars,
            "certificate_number": cert.number,
            "issuing_level": cert.level,
            "issued_on": cert.issued_on.isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "status": cert.status.value,
        }
    )


@bp.get("/gs1/recall/01/<path:_rest>")
def recall(_rest: str) -> Response:
    """Whether the product, the lot or the label is revoked (recalled, withdrawn, fake…)."""
    segments, _query = raw_path()
    item = _item(segments[2:])  # after "gs1", "recall"
    if isinstance(item, Response):
        return item
    return _json(
        {
            "gtin": item.gtin,
            "lot": item.lot_code,
            "lot_known": item.lot_found,
            "serial": None if item.serial is None else str(item.serial),
            "label_known": item.label_found,
            "recalled": item.recalled,
            "product_revoked": item.revoked,
            "lot_revoked": item.lot_revoked,
            "label_revocation": item.label_revocation,
        }
    )


@bp.route("/.well-known/gs1resolver", methods=["GET", "HEAD", "OPTIONS"], provide_automatic_options=False)
def description() -> Response:
    """The resolver description file GS1's standard asks for."""
    if request.method == "OPTIONS":
        return Response(status=204)
    base = current_app.config["OCOP_BASE_URL"].lower()
    response = _json(
        {
            "name": "OCOP label verification (Việt Nam): GS1-conformant resolver",
            "resolverRoot": base,
            "supportedPrimaryKeys": [GTIN],
            "supportedLinkType": [{"namespace": VOC, "prefix": "gs1:"}],
            "linkTypeDefaultCanBeAll": False,
            "supportedContextValuesEnumerated": [],
            "supportedContextValuesExternal": [],
        }
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

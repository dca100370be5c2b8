"""``/producer``: a producer's own portal. Every lookup is scoped to the signed-in user's
producer; asking for another producer's record is a 404, as if it did not exist."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from traceability import NotFound, RegistryError
from traceability.models import Lot, Producer, Product
from traceability.services import corrections, dashboard, labels, lots, producers
from verify_web.core import clock, db
from verify_web.errors import message_of
from verify_web.staff import dashboards
from verify_web.staff.auth import actor, current_user, roles_required
from verify_web.staff.forms import days_arg, since

bp = Blueprint("producer", __name__, url_prefix="/producer")


def _own_producer() -> Producer:
    user = current_user()
    if user is None or user.producer_id is None:
        abort(403)
    return producers.get_producer(db.session(), user.producer_id)


def _own_lot(lot_id: int) -> Lot:
    producer = _own_producer()
    try:
        lot = lots.get_lot(db.session(), lot_id)
    except NotFound:
        abort(404)
    if lot.product.producer_id != producer.id:
        abort(404)
    return lot


def _own_product(product_id: int) -> Product:
    producer = _own_producer()
    try:
        product = producers.get_product(db.session(), product_id)
    except NotFound:
        abort(404)
    if product.producer_id != producer.id:
        abort(404)
    return product


@bp.get("")
@roles_required("producer")
def home() -> tuple[str, int]:
    """The producer's products, certifications and lots, and where its labels are scanned."""
    return _home()


def _home(error: str | None = None, status: int = 200) -> tuple[str, int]:
    producer = _own_producer()
    days = days_arg(30)
    start = since(days)
    session = db.session()
    per_day = dashboard.scans_per_day(session, since=start, zone=clock.zone(), producer_id=producer.id)
    return render_template(
        "staff/producer_home.html",
        producer=producer,
        days=days,
        day_chart=dashboards.day_chart(per_day),
        areas=dashboard.scans_by_area(session, since=start, producer_id=producer.id),
        verdicts=dashboard.verdict_mix(session, since=start, producer_id=producer.id),
        error=error,
    ), status


@bp.post("/products/<int:product_id>/label-form")
@roles_required("producer")
def label_form(product_id: int) -> Response | tuple[str, int]:
    """Set the label form of one of the producer's products (and its GTIN, while it has none);
    the request's session commits it with the redirect (``verify_web.core.db``)."""
    product = _own_product(product_id)
    try:
        corrections.choose_label_form(
            db.session(),
            actor=actor(),
            product_id=product.id,
            label_form=request.form.get("label_form", "")[:100],
            gtin=request.form.get("gtin", "")[:100],
        )
    except RegistryError as e:
        db.session().rollback()  # the re-rendered page shows the product as it was
        return _home(message_of(e), 400)
    return redirect(url_for("producer.home") + f"#product-{product.id}")


@bp.get("/lots/<int:lot_id>")
@roles_required("producer")
def lot(lot_id: int) -> str:
    """One of the producer's lots with its labels and journey."""
    found = _own_lot(lot_id)
    return render_template(
        "staff/producer_lot.html",
        lot=found,
        labels=labels.labels_of_lot(db.session(), found.id),
        events=lots.events(db.session(), found.id),
    )

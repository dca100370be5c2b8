"""``/producer``: a producer's own portal. Every lookup is scoped to the signed-in user's
producer; asking for another producer's record is a 404, as if it did not exist."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from traceability import NotFound
from traceability.models import Lot, Producer
from traceability.services import dashboard, labels, lots, producers
from verify_web.core import clock, db
from verify_web.staff import dashboards
from verify_web.staff.auth import current_user, roles_required
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


@bp.get("")
@roles_required("producer")
def home() -> str:
    """The producer's products, certifications and lots, and where its labels are scanned."""
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
    )


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

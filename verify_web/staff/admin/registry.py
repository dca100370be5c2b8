"""``/admin/registry``: producers, products, certifications (rate, re-rate, withdraw), lots and
lot journey events. Each form calls one service; bad input shows the form again (400)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from traceability import RegistryError, ValidationError
from traceability.enums import EventKind, LabelForm, ProducerKind, ProductGroup
from traceability.services import certifications, lots, producers
from traceability.services import corrections as editing
from verify_web.core import clock, db
from verify_web.errors import message_of
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.forms import form_int

bp = Blueprint("admin_registry", __name__, url_prefix="/admin/registry")


def _text(name: str) -> str:
    return request.form.get(name, "")[:4000]


def _date(name: str, required: bool = True) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw and not required:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(name, "must be a date YYYY-MM-DD") from None


def _when(name: str) -> datetime:
    raw = request.form.get(name, "").strip()
    try:
        moment = datetime.fromisoformat(raw)
        # The form shows the programme's clock, so a time without a zone is read on it. In UTC
        # at once: an offset that pushes the time past year 1 (0001-01-01T00:00+23:59) fails
        # here, as a form error, and not later in a comparison or the database.
        return (moment if moment.tzinfo else moment.replace(tzinfo=clock.zone())).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(name, "must be a date and time YYYY-MM-DDTHH:MM") from None


def _index(error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/registry.html",
        producers=producers.list_producers(db.session()),
        kinds=list(ProducerKind),
        error=error,
    ), status


def _detail(producer_id: int, error: str | None = None, status: int = 200) -> tuple[str, int]:
    producer = producers.get_producer(db.session(), producer_id)
    return render_template(
        "staff/producer_detail.html",
        producer=producer,
        groups=list(ProductGroup),
        kinds=list(ProducerKind),
        event_kinds=list(EventKind),
        error=error,
    ), status


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int]:
    """Every producer, and the form to register one."""
    return _index()


@bp.post("/producers")
@roles_required("admin")
def create_producer() -> Response | tuple[str, int]:
    """Register a producer."""
    try:
        producer = producers.create_producer(
            db.session(),
            actor=actor(),
            legal_name=_text("legal_name"),
            kind=_text("kind"),
            commune=_text("commune"),
            district=_text("district"),
            province=_text("province"),
            contact=_text("contact"),
            tax_code=_text("tax_code"),
        )
    except RegistryError as e:
        return _index(message_of(e), 400)
    return redirect(url_for("admin_registry.producer", producer_id=producer.id))


@bp.get("/producers/<int:producer_id>")
@roles_required("admin")
def producer(producer_id: int) -> tuple[str, int]:
    """A producer's products, certifications and lots, with the forms to add to them."""
    try:
        return _detail(producer_id)
    except RegistryError as e:
        return _index(message_of(e), 404)


def _change(producer_id: int, action: Callable[[], object]) -> Response | tuple[str, int]:
    try:
        action()
    except RegistryError as e:
        db.session().rollback()  # nothing half-done may show on the re-rendered page
        try:
            return _detail(producer_id, message_of(e), 400)
        except RegistryError as missing:
            return _index(message_of(missing), 404)
    return redirect(url_for("admin_registry.producer", producer_id=producer_id))


@bp.post("/producers/<int:producer_id>/products")
@roles_required("admin")
def create_product(producer_id: int) -> Response | tuple[str, int]:
    """Add a product to the producer."""
    return _change(
        producer_id,
        lambda: producers.create_product(
            db.session(),
            actor=actor(),
            producer_id=producer_id,
            name=_text("name"),
            group=_text("group"),
            gtin=_text("gtin"),
            label_form=_text("label_form") or LabelForm.OCOP,
        ),
    )


@bp.post("/producers/<int:producer_id>/certifications")
@roles_required("admin")
def certify(producer_id: int) -> Response | tuple[str, int]:
    """Record a rating or re-rating (a new certification row; history is kept)."""

    def run() -> object:
        product = producers.get_product(db.session(), form_int("product_id"))
        if product.producer_id != producer_id:
            raise ValidationError("product_id", "this product belongs to another producer")
        stars = _text("stars").strip()
        if stars not in ("3", "4", "5"):
            raise ValidationError("stars", "OCOP recognises 3, 4 or 5 stars")
        issued = _date("issued_on")
        assert issued is not None
        return certifications.certify(
            db.session(),
            actor=actor(),
            product_id=product.id,
            stars=int(stars),
            number=_text("number"),
            issued_on=issued,
            valid_until=_date("valid_until", required=False),
        )

    return _change(producer_id, run)


@bp.post("/producers/<int:producer_id>/certifications/<int:certification_id>/withdraw")
@roles_required("admin")
def withdraw(producer_id: int, certification_id: int) -> Response | tuple[str, int]:
    """End a certification early, with a reason."""
    return _change(
        producer_id,
        lambda: certifications.withdraw(
            db.session(),
            actor=actor(),
            certification_id=certification_id,
            reason=_text("reason"),
            on=clock.today(),
        ),
    )


@bp.post("/producers/<int:producer_id>/lots")
@roles_required("admin")
def create_lot(producer_id: int) -> Response | tuple[str, int]:
    """Register a production lot of one of the producer's products."""

    def run() -> object:
        product = producers.get_product(db.session(), form_int("product_id"))
        if product.producer_id != producer_id:
            raise ValidationError("product_id", "this product belongs to another producer")
        produced = _date("produced_on")
        assert produced is not None
        return lots.create_lot(
            db.session(),
            actor=actor(),
            product_id=product.id,
            code=_text("code"),
            produced_on=produced,
            best_before=_date("best_before", required=False),
        )

    return _change(producer_id, run)


@bp.post("/producers/<int:producer_id>/lots/<int:lot_id>/events")
@roles_required("admin")
def add_event(producer_id: int, lot_id: int) -> Response | tuple[str, int]:
    """Record a step of a lot's journey."""

    def run() -> object:
        if lots.get_lot(db.session(), lot_id).product.producer_id != producer_id:
            raise ValidationError("lot", "this lot belongs to another producer")
        return lots.add_event(
            db.session(),
            actor=actor(),
            lot_id=lot_id,
            kind=_text("kind"),
            occurred_at=_when("occurred_at"),
            place=_text("place"),
            note=_text("note"),
        )

    return _change(producer_id, run)


@bp.post("/producers/<int:producer_id>/edit")
@roles_required("admin")
def edit_producer(producer_id: int) -> Response | tuple[str, int]:
    """Correct the producer's registered details (audited with old and new values)."""
    return _change(
        producer_id,
        lambda: editing.update_producer(
            db.session(),
            actor=actor(),
            producer_id=producer_id,
            legal_name=_text("legal_name"),
            kind=_text("kind"),
            commune=_text("commune"),
            district=_text("district"),
            province=_text("province"),
            contact=_text("contact"),
            tax_code=_text("tax_code"),
        ),
    )


@bp.post("/producers/<int:producer_id>/products/<int:product_id>/edit")
@roles_required("admin")
def edit_product(producer_id: int, product_id: int) -> Response | tuple[str, int]:
    """Correct a product's name, group, GTIN or label form."""

    def run() -> object:
        if producers.get_product(db.session(), product_id).producer_id != producer_id:
            raise ValidationError("product_id", "this product belongs to another producer")
        return editing.update_product(
            db.session(),
            actor=actor(),
            product_id=product_id,
            name=_text("name"),
            group=_text("group"),
            gtin=_text("gtin"),
            label_form=_text("label_form") or LabelForm.OCOP,
        )

    return _change(producer_id, run)

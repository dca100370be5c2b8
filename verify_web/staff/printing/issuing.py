"""Issuing and reprinting labels from the browser, shared by ``/admin/labels`` (every
producer) and ``/producer/labels`` (the signed-in producer's own products). The same library
as ``ocop issue`` does the work: :mod:`usecases.issuance` plans, signs and records,
:mod:`labels.runfiles` writes into a temporary file, and only a completely written file is
committed and sent. Any refusal is a :class:`FormRefused` shown on the form; nothing is recorded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import BinaryIO

from flask import abort, current_app, send_file
from flask_babel import format_number, gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from keys import KeysError, NoActiveKey, PrivateKey
from labels import LabelSerializer
from labels.exc import LayoutError, PayloadError
from labels.layout import GS1_QR_MODULES, Design, LotFacts, design, parse_stock
from labels.output import Format, open_writer
from labels.runfiles import parse_numbers, rendered, write_all
from traceability import NotFound, ValidationError
from traceability.services import producers
from usecases.exc import IssueRefused, RefusalReason
from usecases.issuance import IssuePlan, ends_before_best_before, issue, plan_issue, plan_reprint, reprint
from verify_web.core import clock
from verify_web.core.bounds import MAX_ID
from verify_web.core.services import services
from verify_web.errors import FormRefused
from verify_web.staff.forms import keyring
from verify_web.staff.printing import downloads as printruns

# A browser request must finish in seconds (measured: 10,000 labels as PDF ~6 s, as PNG ~48 s on
# one core), so fewer labels per request than `ocop issue` (100,000); PNG rendering is slowest.
WEB_MAX_COUNT = 10_000
PNG_MAX_COUNT = 2_000
STOCKS = ("a4-40", "roll-30x20")
# Form value → (format, file name ending, media type).
FORMATS: dict[str, tuple[Format, str, str]] = {
    "pdf": (Format.PDF, ".pdf", "application/pdf"),
    "png": (Format.PNG, ".png.zip", "application/zip"),
    "svg": (Format.SVG, ".svg.zip", "application/zip"),
    "csv": (Format.CSV, ".csv", "text/csv"),
}


@dataclass(frozen=True)
class Scope:
    """Whose products a page prints: ``producer_id`` ``None`` means every producer's (admin).
    ``endpoint`` is the blueprint name the page's forms post to."""

    producer_id: int | None
    endpoint: str


@dataclass(frozen=True)
class IssueRequest:
    """A parsed issue form. ``fields()`` gives it back as form values (for the confirm page)."""

    product: int
    lot: str
    count: int
    stock: str
    format: str
    secret: bool
    first: int | None = None  # the first number the confirm page showed, if it came from there

    def fields(self) -> dict[str, str]:
        """Return the request as the form's field names and values."""
        return {
            k: ("1" if v is True else "" if v is False or v is None else str(v))
            for k, v in asdict(self).items()
        }


@dataclass(frozen=True)
class ReprintRequest:
    """A parsed reprint form; ``numbers`` ``None`` means every active label of the lot."""

    product: int
    lot: str
    numbers: tuple[int, int] | None
    stock: str
    format: str


def _text(form: Mapping[str, str], name: str, limit: int = 100) -> str:
    return form.get(name, "").strip()[:limit]


def _whole(form: Mapping[str, str], name: str) -> int:
    raw = _text(form, name)
    # Bounded before it reaches the database: ids and label numbers are INTEGER columns.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_ID:
        raise FormRefused(
            gettext("Please check “%(field)s”: it must be a whole number.", field=name), status=400
        )
    return int(raw)


def _common(form: Mapping[str, str]) -> tuple[int, str, str, str]:
    product = _whole(form, "product")
    lot = _text(form, "lot", 40)
    if not lot:
        raise FormRefused(gettext("Please give the lot code."), status=400)
    stock = _text(form, "stock", 40) or STOCKS[0]
    if stock == "custom":  # the form's "custom size" choice, with its width and height in mm
        stock = f"custom:{_text(form, 'stock_width', 8)}x{_text(form, 'stock_height', 8)}"
    fmt = _text(form, "format") or "pdf"
    if fmt not in FORMATS:
        raise FormRefused(gettext("Please choose an output format from the list."), status=400)
    return product, lot, stock, fmt


def read_issue(form: Mapping[str, str]) -> IssueRequest:
    """Return the issue form's request. Raises :class:`FormRefused` (400 for a field that does
    not parse, 422 for a count outside 1..WEB_MAX_COUNT, or 1..PNG_MAX_COUNT for PNG images)."""
    product, lot, stock, fmt = _common(form)
    count = _whole(form, "count")
    most = PNG_MAX_COUNT if fmt == "png" else WEB_MAX_COUNT
    if not 1 <= count <= most:
        raise FormRefused(
            gettext(
                "The count must be from 1 to %(most)s labels per browser request; "
                "issue larger runs in several requests or with “ocop issue”.",
                most=format_number(most),
            )
        )
    first = _whole(form, "first") if _text(form, "first") else None
    return IssueRequest(product, lot, count, stock, fmt, form.get("secret", "") == "1", first)


def read_reprint(form: Mapping[str, str]) -> ReprintRequest:
    """Return the reprint form's request. Raises :class:`FormRefused` (400)."""
    product, lot, stock, fmt = _common(form)
    raw = _text(form, "numbers", 40)
    try:
        numbers = parse_numbers(raw) if raw else None
    except ValueError:
        raise FormRefused(
            gettext("Please give the label numbers as A..B (for example 120..180), or leave them empty."),
            status=400,
        ) from None
    return ReprintRequest(product, lot, numbers, stock, fmt)


def refusal_message(error: IssueRefused) -> str:
    """Return the form message for a refused issue or reprint, from its reason and data."""
    data = error.data
    messages: dict[RefusalReason, Callable[[], str]] = {
        RefusalReason.BAD_COUNT: lambda: gettext("The number of labels is not allowed."),
        RefusalReason.NO_CERTIFICATION: lambda: gettext(
            "This product has no active OCOP certification of 3 stars or more valid today, "
            "so it may not carry OCOP labels."
        ),
        RefusalReason.PRODUCT_REVOKED: lambda: gettext("This product is revoked; no labels can be issued."),
        RefusalReason.PRODUCER_REVOKED: lambda: gettext(
            "The producer %(name)s is revoked; no labels can be issued.", name=data.get("producer", "")
        ),
        RefusalReason.LOT_REVOKED: lambda: gettext(
            "Lot %(lot)s is revoked; no labels can be issued.", lot=data.get("lot", "")
        ),
        RefusalReason.NOTHING_TO_REPRINT: lambda: gettext(
            "Lot %(lot)s has no active labels to reprint in that range.", lot=data.get("lot", "")
        ),
        RefusalReason.MIXED_RATINGS: lambda: gettext(
            "The labels in that range carry different star ratings; reprint them in separate ranges."
        ),
        RefusalReason.LOT_NOT_GS1: lambda: gettext(
            "Lot code %(lot)s cannot go in a GS1 Digital Link label: it must be 1 to 20 letters, "
            "digits or GS1 signs, without spaces or Vietnamese letters.",
            lot=data.get("lot", ""),
        ),
    }
    return str(messages[error.reason]())


def product_name(session: Session, scope: Scope, product_id: int) -> str:
    """Return the product's name. A product outside the scope is a 404 page, as if it did not
    exist; an unknown product id on the admin form is refused on the form."""
    try:
        product = producers.get_product(session, product_id)
    except NotFound:
        if scope.producer_id is not None:
            abort(404)
        raise FormRefused(gettext("There is no product number %(id)s.", id=product_id)) from None
    if scope.producer_id is not None and product.producer_id != scope.producer_id:
        abort(404)
    return product.name


def _lot_missing(lot: str) -> FormRefused:
    return FormRefused(gettext("This product has no lot with the code %(lot)s.", lot=lot))


def _design(stock_name: str, facts: LotFacts) -> Design:
    try:
        return design(parse_stock(stock_name), facts)
    except LayoutError:
        if facts.qr_modules == GS1_QR_MODULES:
            raise FormRefused(
                gettext(
                    "GS1 Digital Link labels need a larger QR: choose a4-40, or a custom stock at "
                    "least 23.2 mm high (the roll-30x20 stock is too small)."
                )
            ) from None
        raise FormRefused(
            gettext(
                "The label stock “%(stock)s” cannot be used: choose a4-40, roll-30x20 or custom:WIDTHxHEIGHT "
                "in mm, large enough for QR modules of at least 0.4 mm.",
                stock=stock_name,
            )
        ) from None


def plan(session: Session, scope: Scope, request: IssueRequest) -> tuple[IssuePlan, Design]:
    """Check an issue request and return its plan and label design. Reads only.

    Raises :class:`FormRefused` for every refusal, or aborts with 404 for a product outside
    the scope.
    """
    product_name(session, scope, request.product)
    try:
        found = plan_issue(
            session,
            product_id=request.product,
            lot_code=request.lot,
            count=request.count,
            today=clock.today(),
            base_url=current_app.config["OCOP_BASE_URL"],
        )
    except IssueRefused as e:
        raise FormRefused(refusal_message(e)) from None
    except NotFound:
        raise _lot_missing(request.lot) from None
    return found, _design(request.stock, found.facts)


def _unsignable() -> FormRefused:
    return FormRefused(
        gettext(
            "Labels cannot be signed right now: the signing key or its passphrase "
            "(OCOP_KEY_PASSPHRASE or OCOP_KEY_PASSPHRASE_FILE) is missing or wrong on the server. "
            "Nothing was issued. Please tell the system administrator."
        ),
        status=503,
    )


def _signer(kid: str | None = None) -> PrivateKey:
    """Return the private key ``kid`` (the active key if ``None``), decrypted once per worker
    for the active key. Raises :class:`FormRefused` (503) when it cannot be unlocked."""
    try:
        return services().signer(kid)
    except NoActiveKey as e:
        current_app.logger.error("labels cannot be signed: %s", e)
        raise FormRefused(
            gettext(
                "There is no active signing key, so no label can be signed. An administrator makes "
                "one with “Rotate” on the signing keys page. Nothing was issued."
            ),
            status=503,
        ) from e
    except KeysError as e:
        current_app.logger.error("labels cannot be signed: %s", e)
        raise _unsignable() from e


def _digest_key() -> bytes:
    """Return the key store's digest key (made if there is none, as ``ocop issue`` does).
    Raises :class:`FormRefused` (503) when it cannot be read or made."""
    try:
        digest_key: bytes = services().keystore.ensure_digest_key()
    except KeysError as e:
        current_app.logger.error("labels cannot be issued: %s", e)
        raise _unsignable() from e
    return digest_key


def _serializer() -> LabelSerializer:
    return LabelSerializer(current_app.config["OCOP_BASE_URL"], keyring())


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain.encode("ascii", "ignore").decode()).strip("-")[:40] or "lot"


def _send(session: Session, out: BinaryIO, fmt: str, stem: str) -> Response:
    """Commit the session, then send the completed file ``out`` as an attachment."""
    try:
        session.commit()
    except BaseException:
        out.close()
        raise
    _, ending, mimetype = FORMATS[fmt]
    response = send_file(out, mimetype=mimetype, as_attachment=True, download_name=stem + ending)
    response.headers["Cache-Control"] = "no-store"  # the file may hold scratch-off secrets
    return response


def issue_run(session: Session, scope: Scope, request: IssueRequest, actor: str) -> printruns.Run:
    """Issue the request's labels, keep the file for download and return the stored run.

    The plan is checked again (things may have changed since the confirm page); the labels are
    signed, recorded in ``session`` and written to a temporary file; only a complete file that
    was stored is committed. Raises :class:`FormRefused` (nothing recorded: the caller answers
    with the form and an error status, which rolls the session back).
    """
    found, label_design = plan(session, scope, request)
    if request.first is not None and request.first != found.first_number:
        # The confirmed numbers were taken meanwhile: most often the same form sent twice.
        raise FormRefused(
            gettext(
                "Labels numbered from %(first)s in lot %(lot)s were issued after this page was "
                "confirmed (was the form sent twice?). Nothing more was issued; check the lot and "
                "start again.",
                first=request.first,
                lot=found.lot_code,
            ),
            status=409,
        )
    signer = _signer()
    serializer = _serializer()
    digest_key = _digest_key()
    fmt = FORMATS[request.format][0]

    def render(out: BinaryIO) -> None:
        writer = open_writer(out, fmt, label_design, with_secret=request.secret)
        write_all(
            issue(
                session,
                found,
                key=signer,
                serializer=serializer,
                actor=actor,
                with_secret=request.secret,
                digest_key=digest_key,
            ),
            [writer],
        )
        session.flush()  # surface database errors before anything is sent

    try:
        out = rendered(render)
    except PayloadError as e:
        raise FormRefused(
            gettext("These labels cannot carry the certificate date %(value)s.", value=str(e.value))
        ) from None
    except IntegrityError:
        # Another issue for the same lot recorded these numbers first (uq_labels_lot_number).
        raise FormRefused(
            gettext(
                "Another issue for lot %(lot)s took these label numbers at the same moment. "
                "Nothing was issued; please start again.",
                lot=found.lot_code,
            ),
            status=409,
        ) from None
    last = found.first_number + found.count - 1
    _, ending, mimetype = FORMATS[request.format]
    run = printruns.Run(
        token=printruns.new_token(),
        owner=actor,
        filename=f"ocop-{_ascii(found.lot_code)}-{found.first_number}-{last}{ending}",
        mimetype=mimetype,
        product=product_name(session, scope, request.product),
        lot_code=found.lot_code,
        count=found.count,
        first=found.first_number,
        last=last,
    )
    with out:
        try:
            printruns.store(out, run)
        except OSError as e:
            current_app.logger.error("print run cannot be stored: %s", e)
            raise FormRefused(
                gettext("The label file could not be saved on the server. Nothing was issued."), status=503
            ) from e
    try:
        session.commit()
    except BaseException:
        printruns.discard(run.token)
        raise
    return run


def reprint_download(session: Session, scope: Scope, request: ReprintRequest, actor: str) -> Response:
    """Render already issued labels of a lot again (no new serials) and return the file.

    Raises :class:`FormRefused` for an unknown lot, nothing to reprint, mixed ratings, a bad
    stock or a key that cannot be unlocked; aborts with 404 for a product outside the scope.
    """
    product_name(session, scope, request.product)
    serializer = _serializer()
    try:
        found = plan_reprint(
            session,
            lot_code=request.lot,
            product_id=request.product,
            numbers=request.numbers,
            base_url=serializer.base_url,
        )
    except IssueRefused as e:
        raise FormRefused(refusal_message(e)) from None
    except NotFound:
        raise _lot_missing(request.lot) from None
    except ValidationError:  # several products share the code; cannot happen with a product named
        raise _lot_missing(request.lot) from None
    label_design = _design(request.stock, found.facts)
    fmt = FORMATS[request.format][0]

    def render(out: BinaryIO) -> None:
        labels = reprint(session, found, signer_for=_signer, serializer=serializer, actor=actor)
        write_all(labels, [open_writer(out, fmt, label_design)])
        session.flush()

    out = rendered(render)
    span = f"{found.numbers[0]}-{found.numbers[1]}" if found.numbers else "all"
    return _send(session, out, request.format, f"ocop-reprint-{_ascii(found.lot_code)}-{span}")


def plan_warnings(found: IssuePlan) -> list[str]:
    """Return the operator's warnings about a plan, in the page's language: the certificate
    ending before the lot's best-before date (labels then read "expired" on shop shelves)."""
    warnings = []
    if found.best_before is not None and ends_before_best_before(found.certified_until, found.best_before):
        warnings.append(
            gettext(
                "The OCOP certificate ends on %(until)s, before the lot's best-before date %(best)s: "
                "labels scanned after %(until)s will show “expired” unless the product is re-rated.",
                until=found.certified_until.strftime("%d/%m/%Y"),
                best=found.best_before.strftime("%d/%m/%Y"),
            )
        )
    return warnings

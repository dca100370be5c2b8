"""Issuing and reprinting labels from the browser, shared by ``/admin/labels`` (every
producer) and ``/producer/labels`` (the signed-in producer's own products). The same use case
as ``ocop issue`` does the work (:mod:`usecases.print_runs`); this module checks the page's
scope, gives it the keys and where the file goes (kept for download, or sent), and maps every
refusal to a :class:`FormRefused` shown on the form; nothing is recorded then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO

from flask import abort, current_app, send_file
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from keys import KeysError, NoActiveKey, PrivateKey
from labels import LabelSerializer
from labels.exc import LayoutError, PayloadError
from labels.layout import GS1_QR_MODULES, Design, LotFacts, design, parse_stock
from labels.runfiles import rendered
from traceability import NotFound, ValidationError
from traceability.services import producers
from usecases import print_runs
from usecases.exc import IssueRefused
from usecases.issuance import IssuePlan, plan_issue
from usecases.print_runs import Output, Publish, Run
from usecases.reprinting import plan_reprint
from verify_web.core import clock
from verify_web.core.services import services
from verify_web.errors import FormRefused
from verify_web.staff.forms import keyring
from verify_web.staff.printing import downloads as printruns
from verify_web.staff.printing.messages import refusal_message
from verify_web.staff.printing.requests import FORMATS, IssueRequest, ReprintRequest


@dataclass(frozen=True)
class Scope:
    """Whose products a page prints: ``producer_id`` ``None`` means every producer's (admin).
    ``endpoint`` is the blueprint name the page's forms post to."""

    producer_id: int | None
    endpoint: str


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


def _run(label_design: Design, fmt: str, publish: Publish, actor: str, with_secret: bool = False) -> Run:
    return Run(
        label_design, [Output(FORMATS[fmt][0], with_secret=with_secret)], publish, _serializer(), actor
    )


def _kept(run: printruns.Run) -> Publish:
    """Where an issued run's file goes: stored for download before the commit (a file that
    cannot be stored records nothing), forgotten again if the commit fails."""

    def keep(out: BinaryIO, commit: Callable[[], None]) -> None:
        with out:
            try:
                printruns.store(out, run)
            except OSError as e:
                current_app.logger.error("print run cannot be stored: %s", e)
                raise FormRefused(
                    gettext("The label file could not be saved on the server. Nothing was issued."),
                    status=503,
                ) from e
        try:
            commit()
        except BaseException:
            printruns.discard(run.token)
            raise

    return lambda commit: rendered(commit=lambda out: keep(out, commit))


def issue_run(session: Session, scope: Scope, request: IssueRequest, actor: str) -> printruns.Run:
    """Issue the request's labels, keep the file for download and return the stored run.

    The plan is checked again (things may have changed since the confirm page); only a complete
    file that was stored is committed. Raises :class:`FormRefused` (nothing recorded: the
    caller answers with the form and an error status, which rolls the session back).
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
    run = _download(found, request.format, product_name(session, scope, request.product), actor)
    key, digest_key = _signer(), _digest_key()
    try:
        print_runs.issue_run(
            session,
            found,
            _run(label_design, request.format, _kept(run), actor, request.secret),
            key=key,
            digest_key=digest_key,
            with_secret=request.secret,
        )
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
    return run


def _download(found: IssuePlan, fmt: str, product: str, actor: str) -> printruns.Run:
    last = found.first_number + found.count - 1
    _, ending, mimetype = FORMATS[fmt]
    return printruns.Run(
        token=printruns.new_token(),
        owner=actor,
        filename=f"ocop-{_ascii(found.lot_code)}-{found.first_number}-{last}{ending}",
        mimetype=mimetype,
        product=product,
        lot_code=found.lot_code,
        count=found.count,
        first=found.first_number,
        last=last,
    )


@dataclass
class _Sent:
    """Where a reprint's file goes: sent as an attachment once the reprint is committed."""

    fmt: str
    stem: str
    response: Response | None = None

    def publish(self, commit: Callable[[], None]) -> AbstractContextManager[list[BinaryIO]]:
        def send(out: BinaryIO) -> None:
            commit()
            _, ending, mimetype = FORMATS[self.fmt]
            self.response = send_file(
                out, mimetype=mimetype, as_attachment=True, download_name=self.stem + ending
            )
            self.response.headers["Cache-Control"] = "no-store"  # the file may hold scratch-off secrets

        return rendered(commit=send)


def reprint_download(session: Session, scope: Scope, request: ReprintRequest, actor: str) -> Response:
    """Render already issued labels of a lot again (no new serials) and return the file.

    Raises :class:`FormRefused` for an unknown lot, nothing to reprint, mixed ratings, a bad
    stock or a key that cannot be unlocked; aborts with 404 for a product outside the scope.
    """
    product_name(session, scope, request.product)
    try:
        found = plan_reprint(
            session,
            lot_code=request.lot,
            product_id=request.product,
            numbers=request.numbers,
            base_url=current_app.config["OCOP_BASE_URL"],
        )
    except IssueRefused as e:
        raise FormRefused(refusal_message(e)) from None
    except (NotFound, ValidationError):  # several products share the code: not with a product named
        raise _lot_missing(request.lot) from None
    span = f"{found.numbers[0]}-{found.numbers[1]}" if found.numbers else "all"
    sent = _Sent(request.format, f"ocop-reprint-{_ascii(found.lot_code)}-{span}")
    run = _run(_design(request.stock, found.facts), request.format, sent.publish, actor)
    print_runs.reprint_run(session, found, run, signer_for=_signer)
    assert sent.response is not None  # reprint_run returns only once the file was sent
    return sent.response

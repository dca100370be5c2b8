"""The four routes of a label printing area, built once for ``/admin/labels`` and once for
``/producer/labels``: the forms, the confirm step, issuing (a download) and reprinting (a
download). Views only parse, call :mod:`verify_web.staff.printing.issuing` and turn refusals into the form
with an error status (which rolls the request's session back)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from flask import Blueprint, abort, render_template, request, send_file
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from traceability.services import printable
from verify_web.core import clock, db
from verify_web.errors import FormRefused
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.printing import downloads as printruns
from verify_web.staff.printing import issuing as printing
from verify_web.staff.printing import messages
from verify_web.staff.printing import requests as forms


def blueprint(name: str, url_prefix: str, role: str, scope: Callable[[], printing.Scope]) -> Blueprint:
    """Return a blueprint ``name`` under ``url_prefix`` for users of ``role``; ``scope()`` says
    whose products the signed-in user may print (it may abort with 403)."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    def refused(error: FormRefused, where: printing.Scope) -> tuple[str, int]:
        session = db.session()
        session.rollback()  # whatever a refused run wrote goes; the form page reads afresh
        return form_page(session, where, error.message, error.status, request.form)

    @bp.get("")
    @roles_required(role)
    def index() -> tuple[str, int]:
        """The issue and reprint forms."""
        return form_page(db.session(), scope())

    @bp.post("/issue/plan")
    @roles_required(role)
    def confirm() -> tuple[str, int]:
        """Show what an issue would do and ask to confirm. Records nothing."""
        where = scope()
        try:
            return confirm_page(db.session(), where, forms.read_issue(request.form))
        except FormRefused as e:
            return refused(e, where)

    @bp.post("/issue")
    @roles_required(role)
    def issue() -> tuple[str, int]:
        """Issue the confirmed labels and show what was issued, with the file's download link;
        a refusal records nothing."""
        where = scope()
        try:
            run = printing.issue_run(db.session(), where, forms.read_issue(request.form), actor())
        except FormRefused as e:
            return refused(e, where)
        return render_template("staff/print_done.html", run=run, endpoint=where.endpoint), 200

    @bp.get("/issue/<token>")
    @roles_required(role)
    def download(token: str) -> Response:
        """The file of a run this user issued in the last hour; 404 for anything else."""
        scope()
        found = printruns.find(token[:40], actor())
        if found is None:
            abort(404)
        run, path = found
        response = send_file(path, mimetype=run.mimetype, as_attachment=True, download_name=run.filename)
        response.headers["Cache-Control"] = "no-store"  # the file may hold scratch-off secrets
        return response

    @bp.post("/reprint")
    @roles_required(role)
    def reprint() -> Response | tuple[str, int]:
        """Render a lot's issued labels again (no new serials) and send the file."""
        where = scope()
        try:
            return printing.reprint_download(db.session(), where, forms.read_reprint(request.form), actor())
        except FormRefused as e:
            return refused(e, where)

    return bp


def form_page(
    session: Session,
    scope: printing.Scope,
    error: str | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> tuple[str, int]:
    """Return the issue and reprint forms: only products that can carry labels today are
    offered for issuing (so the default is one that can); admins may reprint any product's."""
    found = printable.printable_products(
        session,
        today=clock.today(),
        producer_id=scope.producer_id,
        certified_only=scope.producer_id is not None,
    )
    return render_template(
        "staff/print.html",
        products=found,
        issuable=[p for p in found if p.may_carry_labels],
        stocks=forms.STOCKS,
        formats=list(forms.FORMATS),
        most=forms.WEB_MAX_COUNT,
        png_most=forms.PNG_MAX_COUNT,
        endpoint=scope.endpoint,
        error=error,
        form=dict(form or {}),
    ), status


def confirm_page(session: Session, scope: printing.Scope, wanted: forms.IssueRequest) -> tuple[str, int]:
    """Return the plan of an issue request for the user to confirm. Reads only; raises
    :class:`FormRefused`."""
    found, _ = printing.plan(session, scope, wanted)
    return render_template(
        "staff/print_confirm.html",
        plan=found,
        warnings=messages.plan_warnings(found),
        # The confirmed first number goes along, so sending the form twice issues once.
        fields=replace(wanted, first=found.first_number).fields(),
        wanted=wanted,
        product=printing.product_name(session, scope, wanted.product),
        last=found.first_number + found.count - 1,
        endpoint=scope.endpoint,
    ), 200

"""``/inspect``: the inspectors' tools — field check of a label's raw QR content, clone
suspects, shoppers' reports, and a dashboard drawn as server-side SVG charts."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from traceability import RegistryError, ValidationError, validate
from traceability.services import casework, clonereview, dashboard, naming, suspects
from verify_web.core import clock, db, security, timefmt
from verify_web.errors import PhotoError, message_of
from verify_web.staff import dashboards
from verify_web.staff import names as staffnames
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.forms import days_arg, keyring, since
from verify_web.staff.inspector.fieldcheck import check_all, qr_texts

bp = Blueprint("inspect", __name__, url_prefix="/inspect")
INSPECTORS = ("inspector", "admin")


@bp.get("")
@roles_required(*INSPECTORS)
def home() -> str:
    """The dashboard: scans per local day, verdict mix, and suspect labels by province."""
    days = days_arg(30)
    start = since(days)
    session = db.session()
    mix = dashboard.verdict_mix(session, since=start)
    return render_template(
        "staff/inspect_home.html",
        days=days,
        day_chart=dashboards.day_chart(dashboard.scans_per_day(session, since=start, zone=clock.zone())),
        verdict_chart=dashboards.verdict_chart(mix),
        verdict_total=sum(n for _, n in mix),
        area_chart=dashboards.area_chart(suspects.by_area(session, since=start, limit=12)),
    )


@bp.route("/check", methods=["GET", "POST"])
@roles_required(*INSPECTORS)
@security.wasm_allowed  # the camera button reads QR codes with the offline app's scanner
def check() -> str | tuple[str, int]:
    """Check pasted QR text, a photo of a label or what the camera read (posted as text):
    signature, registry, revocation, domain."""
    if request.method == "GET":
        return render_template("staff/check.html", results=None, text="")
    text = request.form.get("text", "")[:2000]
    try:
        # A check stores nothing, so a replayed one cannot be stored twice; the key an offline
        # queue sends is only checked for its form (docs/revocation-list.md §11).
        key = request.headers.get("Idempotency-Key") or request.form.get("idempotency_key")
        validate.idempotency_key(key)
    except ValidationError as e:
        return render_template("staff/check.html", results=None, text=text, error=message_of(e)), 400
    photo = request.files.get("photo")
    texts: list[str] = []
    if photo is not None and photo.filename:
        try:
            texts = qr_texts(photo.read(current_app.config["MAX_CONTENT_LENGTH"]))
        except PhotoError as e:
            message = (
                gettext("No QR code could be read in this photo.")
                if e.kind == "no_code"
                else gettext("This file is not a readable image.")
            )
            return render_template("staff/check.html", results=None, text=text, error=message), 400
    elif text.strip():
        texts = [text]
    else:
        return render_template(
            "staff/check.html",
            results=None,
            text=text,
            error=gettext("Paste the QR content or choose a photo."),
        ), 400
    results = check_all(
        texts[:5],
        session=db.session(),
        keyring=keyring(),
        today=clock.today(),
        our_base_url=current_app.config["OCOP_BASE_URL"],
    )
    return render_template("staff/check.html", results=results, text=text)


@bp.get("/suspects")
@roles_required(*INSPECTORS)
def suspect_list() -> str:
    """Labels with suspicious scan patterns, highest score first."""
    days = days_arg(30)
    found = suspects.ranked(db.session(), since=since(days))
    return render_template(
        "staff/suspects.html",
        days=days,
        suspects=found,
        named=naming.by_label_id(db.session(), (s.label_id for s in found)),
    )


def suspect_page(label_id: int, error: str | None = None) -> str:
    """The label's scan timeline, printed name and clone review; 404 for an unknown label."""
    session = db.session()
    try:
        scans = suspects.timeline(session, label_id)
        review = clonereview.state(session, label_id)
    except RegistryError:
        abort(404)
    return render_template(
        "staff/suspect.html",
        label_id=label_id,
        scans=scans,
        name=naming.by_label_id(session, [label_id]).get(label_id),
        review=review,
        error=error,
    )


@bp.get("/suspects/<int:label_id>")
@roles_required(*INSPECTORS)
def suspect(label_id: int) -> str:
    """One label's scan timeline, with the revoke-as-counterfeit form."""
    return suspect_page(label_id)


@bp.post("/suspects/<int:label_id>/revoke")
@roles_required(*INSPECTORS)
def revoke_suspect(label_id: int) -> Response | tuple[str, int]:
    """Revoke the label as counterfeit, with a note."""
    try:
        suspects.revoke_as_counterfeit(
            db.session(), actor=actor(), label_id=label_id, note=request.form.get("note", "")[:4000]
        )
    except RegistryError as e:
        db.session().rollback()
        return suspect_page(label_id, message_of(e)), 400
    return redirect(url_for("inspect.suspect", label_id=label_id, done=1))


def _status_arg() -> str:
    status = request.args.get("status", "open")[:20]
    if status not in ("open", "all", *casework.ReportStatus):
        abort(400)
    return status


@bp.get("/reports")
@roles_required(*INSPECTORS)
def reports(error: str | None = None, code: int = 200) -> tuple[str, int]:
    """The shoppers' reports queue (``?status=open|all|new|linked|confirmed|dismissed``)."""
    status = _status_arg()
    found = casework.queue(db.session(), status=None if status == "all" else status)
    return render_template(
        "staff/reports.html",
        cases=found,
        status=status,
        error=error,
        statuses=["open", "all", *casework.ReportStatus],
    ), code


def _decide(report_id: int, action: str) -> Response | tuple[str, int]:
    session = db.session()
    try:
        if action == "confirm":
            casework.confirm(
                session, actor=actor(), report_id=report_id, note=request.form.get("note", "")[:4000]
            )
        elif action == "dismiss":
            casework.dismiss(
                session, actor=actor(), report_id=report_id, note=request.form.get("note", "")[:4000]
            )
        else:
            casework.link_case(
                session, actor=actor(), report_id=report_id, case_ref=request.form.get("case_ref", "")[:400]
            )
    except RegistryError as e:
        session.rollback()
        return reports(message_of(e), 400)
    return redirect(url_for("inspect.reports"))


@bp.post("/reports/<int:report_id>/confirm")
@roles_required(*INSPECTORS)
def confirm_report(report_id: int) -> Response | tuple[str, int]:
    """Confirm a report: its label is revoked as counterfeit."""
    return _decide(report_id, "confirm")


@bp.post("/reports/<int:report_id>/dismiss")
@roles_required(*INSPECTORS)
def dismiss_report(report_id: int) -> Response | tuple[str, int]:
    """Dismiss a report (a note says why)."""
    return _decide(report_id, "dismiss")


@bp.post("/reports/<int:report_id>/link")
@roles_required(*INSPECTORS)
def link_report(report_id: int) -> Response | tuple[str, int]:
    """Attach a report to an investigation case."""
    return _decide(report_id, "link")


@bp.get("/reports/<int:report_id>/photo")
@roles_required(*INSPECTORS)
def report_photo(report_id: int) -> Response:
    """The report's photo, from the upload folder only (never a path outside it)."""
    try:
        report = casework.get_report(db.session(), report_id)
    except RegistryError:
        abort(404)
    if not report.photo_path:
        abort(404)
    response = send_from_directory(current_app.config["OCOP_UPLOAD_DIR"], report.photo_path)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/reports.csv")
@roles_required(*INSPECTORS)
def reports_csv() -> Response:
    """All reports (or ``?status=``) as CSV in the reader's language, times on the
    programme's clock (the header names the zone), with formula-looking cells neutralised."""
    status = _status_arg()
    rows = casework.csv_rows(
        db.session(), status=None if status == "all" else status, when=timefmt.local_text
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(staffnames.report_csv(rows))
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=ocop-reports.csv"},
    )

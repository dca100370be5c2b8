"""``/admin``: overview, audit log search, and certifications needing follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, render_template, request

from traceability.enums import ProductGroup
from traceability.services import audit, dashboard
from traceability.services import certification_alerts as followup
from verify_web.core import clock, db
from verify_web.staff import charts, dashboards
from verify_web.staff.auth import roles_required
from verify_web.staff.forms import days_arg, since

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@roles_required("admin")
def home() -> str:
    """The admin dashboard: the figures an office reports on, charts of this week's verdicts
    and of revocations by reason, and links to every tool."""
    session = db.session()
    figures = dashboard.office_figures(
        session, today=clock.today(), week_start=since(7), suspects_since=since(30)
    )
    return render_template(
        "staff/admin_home.html",
        figures=figures,
        verdict_chart=dashboards.verdict_chart(figures.verdicts_week),
        stars_chart=charts.bar_chart([(f"{s}★", n) for s, n in figures.certified_by_stars()]),
        groups=list(ProductGroup),
    )


@bp.get("/audit")
@roles_required("admin")
def audit_log() -> str:
    """Search the append-only audit log by text, entity and start date (400 for a bad date)."""
    text = request.args.get("q", "").strip()[:200] or None
    entity = request.args.get("entity", "").strip()[:40] or None
    start = request.args.get("since", "").strip()[:10]
    try:
        start_at = datetime.combine(date.fromisoformat(start), datetime.min.time(), UTC) if start else None
    except ValueError:
        abort(400)
    entries = audit.search(db.session(), text=text, entity=entity, since=start_at)
    return render_template(
        "staff/audit.html", entries=entries, q=text or "", entity=entity or "", since=start
    )


@bp.get("/followup")
@roles_required("admin")
def follow_up() -> str:
    """Certifications ending in the next 90 days, and ended ones still scanned (last ``days``)."""
    days = days_arg(30)
    today = clock.today()
    session = db.session()
    return render_template(
        "staff/followup.html",
        expiring=followup.expiring(session, today=today, within_days=90),
        ended=followup.ended_but_scanned(session, today=today, since=since(days)),
        days=days,
    )

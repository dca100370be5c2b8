"""The scan page — the URL inside every QR — the short-code result, and the scratch-off claim."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from traceability.services import claims

from . import db, ratelimit, scanlog, verdicts
from .i18n import select_locale as current_language

bp = Blueprint("scan", __name__)

MAX_SECRET = 40


def _page(checked: verdicts.Checked, *, code: str | None, claim: claims.ClaimResult | None = None) -> str:
    language = current_language()
    verdict = checked.verdict

    def top() -> str:
        return render_template("_verdict_top.html", verdict=verdict)

    def facts() -> str:
        events = verdicts.lot_events(verdict.facts.lot_id) if verdict.facts else ()
        return render_template("_verdict_facts.html", verdict=verdict, events=events)

    # Our own autoescaped templates, drawn once per registry version and language.
    return render_template(
        "scan.html",
        verdict=verdict,
        history=checked.history,
        code=code,
        claim=claim,
        top=Markup(verdicts.fragment(checked, "top", language, top)),  # noqa: S704
        facts_html=Markup(verdicts.fragment(checked, "facts", language, facts)) if verdict.facts else None,  # noqa: S704
    )


@bp.get("/v/<path:code>")
@bp.get("/V/<path:code>")
def scan_page(code: str) -> str:
    """The verdict for the signed code in the QR. Always 200: every code gets an answer."""
    seen = scanlog.observe()
    checked = verdicts.scan(code, seen)
    scanlog.record(checked.verdict, seen, channel="web")
    return _page(checked, code=code)


@bp.get("/check")
def short_code() -> str | Response:
    """The verdict for a short code typed from the label (when the QR will not scan)."""
    text = request.args.get("code", "")
    if not text.strip():
        return redirect(url_for("home.index"))
    seen = scanlog.observe()
    checked = verdicts.short_code(text[:100], seen)
    scanlog.record(checked.verdict, seen, channel="short")
    return _page(checked, code=None)


@bp.post("/v/<path:code>/claim")
@bp.post("/V/<path:code>/claim")
def claim(code: str) -> str:
    """Claim the item with its scratch-off secret. A second claim says when it was first claimed."""
    ratelimit.hit(db.engine(), "claim", ratelimit.client_key(), limit=20, per=timedelta(hours=1))
    seen = scanlog.observe(record=False)
    checked = verdicts.scan(code, seen)
    facts = checked.verdict.facts
    result = None
    if facts is not None:
        result = claims.claim(
            db.session(),
            label_id=facts.label_id,
            serial=facts.serial,
            secret=request.form.get("secret", "")[:MAX_SECRET],
        )
        # Read the history again after the claim, so a double claim shows as a clone signal.
        checked = verdicts.with_fresh_history(checked, seen)
    return _page(checked, code=code, claim=result)

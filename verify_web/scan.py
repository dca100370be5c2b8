"""The scan page — the URL inside every QR — the short-code result, and the scratch-off claim."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from labels import Verdict
from traceability.services import claims

from . import db, ratelimit, scanlog, verdicts

bp = Blueprint("scan", __name__)

MAX_SECRET = 40


def _verify_code(code: str) -> Verdict:
    return verdicts.scan(code)


def _page(
    verdict: Verdict,
    *,
    code: str | None,
    channel: str,
    claim: claims.ClaimResult | None = None,
    record: bool = True,
) -> str:
    history = scanlog.observe(verdict, channel=channel, record=record)
    events = verdicts.lot_events(verdict.facts.lot_id) if verdict.facts else ()
    return render_template(
        "scan.html", verdict=verdict, history=history, events=events, code=code, claim=claim
    )


@bp.get("/v/<path:code>")
@bp.get("/V/<path:code>")
def scan_page(code: str) -> str:
    """The verdict for the signed code in the QR. Always 200: every code gets an answer."""
    return _page(_verify_code(code), code=code, channel="web")


@bp.get("/check")
def short_code() -> str | Response:
    """The verdict for a short code typed from the label (when the QR will not scan)."""
    text = request.args.get("code", "")
    if not text.strip():
        return redirect(url_for("home.index"))
    verdict = verdicts.short_code(text[:100])
    return _page(verdict, code=None, channel="short")


@bp.post("/v/<path:code>/claim")
@bp.post("/V/<path:code>/claim")
def claim(code: str) -> str:
    """Claim the item with its scratch-off secret. A second claim says when it was first claimed."""
    ratelimit.hit(db.engine(), "claim", ratelimit.client_key(), limit=20, per=timedelta(hours=1))
    verdict = _verify_code(code)
    result = None
    if verdict.facts is not None:
        result = claims.claim(
            db.session(),
            label_id=verdict.facts.label_id,
            serial=verdict.facts.serial,
            secret=request.form.get("secret", "")[:MAX_SECRET],
        )
    # The page reads the scan history after the claim, so a double claim shows as a clone signal.
    return _page(verdict, code=code, channel="web", claim=result, record=False)

"""The scan page — the URL inside every QR — the short-code result, and the scratch-off claim."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from labels import short_code as format_short_code
from usecases import claims
from usecases.verify import Status
from verify_web.core import db, ratelimit
from verify_web.core.i18n import select_locale as current_language
from verify_web.hotpath import requestless
from verify_web.hotpath import scan_recorder as scanlog
from verify_web.hotpath import verdict_cache as verdicts
from verify_web.public import locate
from verify_web.public.verdict_text import history_sentence

bp = Blueprint("scan", __name__)

MAX_SECRET = 40


# HTML-escaped text cannot contain "<!--", so only our own template emits these markers.
_SLOT = re.compile(r"<!--ocop-slot:(\w+)-->")


def _slot_marker(name: str) -> Markup:
    return Markup(f"<!--ocop-slot:{name}-->")  # noqa: S704 - a fixed marker, no user text


def _shell(checked: verdicts.Checked, code: str | None, cloned: bool) -> tuple[str, ...]:
    """Draw the page with markers where the per-request parts go; return it split into
    static text and slot names, alternating (text, name, text, …, text)."""
    verdict = checked.verdict
    events = verdicts.lot_events(verdict.facts.lot_id) if verdict.facts else ()
    with requestless.templates():
        html = render_template(
            "scan.html",
            verdict=verdict,
            code=code,
            cloned=cloned,
            typed=checked.key[0] == "short",
            events=events,
            slot=_slot_marker,
        )
    return tuple(_SLOT.split(html))


# The place block's only per-request part is its token (digits, dots and hex: nothing to
# escape), so the block is drawn once per language and registry version around this marker.
# Drawing it per page (a url_for and five translations) was about a quarter of a hot page's
# CPU in-process (pyinstrument: 1.03 s of 3.88 s over 3,000 pages).
_TOKEN_MARK = "ocop-place-token-slot"  # noqa: S105 - a marker, not a secret


def _place_parts() -> tuple[str, str]:
    """The place block's text before and after its token."""
    with requestless.templates():
        html = current_app.jinja_env.get_template("_scan_place.html").render(token=_TOKEN_MARK)
    before, after = html.split(_TOKEN_MARK)  # the template names its token once
    return before, after


def _shell_key(checked: verdicts.Checked, code: str | None, cloned: bool) -> Hashable | None:
    """What the shell of a known label's page depends on besides the language (``None``: a
    code naming no label, whose shell is kept per verdict). Everything the shell shows of a
    label comes from its lot (product, producer) and certification, its verdict and whether a
    clone signal changed the headline; its serial, number and code are slots. Labels of one
    lot share it: most first scans draw no shell."""
    verdict, facts = checked.verdict, checked.verdict.facts
    if facts is None:
        return None
    return (
        verdict.status,
        verdict.reason,
        verdict.warnings,
        facts.lot_id,
        facts.certification_id,
        facts.has_secret,
        code is None,
        cloned,
    )


def needs_session(checked: verdicts.Checked) -> bool:
    """True if the page of ``checked`` (opened from its QR) has the claim form, whose CSRF
    token lives in the session: the condition of ``scan.html``'s claim form slot."""
    facts = checked.verdict.facts
    return facts is not None and facts.has_secret


def page(
    checked: verdicts.Checked,
    seen: scanlog.Observation,
    *,
    code: str | None,
    claim: claims.ClaimResult | None = None,
) -> str:
    """The scan page: its shell drawn once per registry version for a lot's labels alike (or
    per verdict, for a code naming no label), and only the label's own parts, the scan history
    and what depends on it drawn for each request. A genuine verdict whose code shows a clone
    signal gets its own headline (never the green one)."""
    history = checked.history
    suspected = history is not None and history.clone_suspected
    cloned = suspected and checked.verdict.status is Status.GENUINE
    parts = verdicts.fragment(
        checked,
        "page-cloned" if cloned else "page",
        current_language(),
        lambda: _shell(checked, code, cloned),
        key=_shell_key(checked, code, cloned),
    )
    facts = checked.verdict.facts
    # Plain Jinja for the small per-request parts: Flask's render_template would add a
    # context (request, session, g) they do not use, at a cost larger than drawing them.
    env = current_app.jinja_env

    def fill(name: str) -> str:
        if name == "alert":  # a clone signal on a label that is not genuine anyway
            return env.get_template("_scan_alert.html").render() if suspected and not cloned else ""
        if name == "claim_notice":
            return env.get_template("_scan_claim_notice.html").render(claim=claim) if claim else ""
        if name == "history":
            return escape(history_sentence(history)) if history else ""
        if name == "place":
            if facts is None or not seen.human:
                return ""
            before, after = verdicts.fragment(checked, "place", current_language(), _place_parts, key="place")
            return before + locate.token(facts.label_id, seen) + after
        if name == "claim_form":
            return env.get_template("_scan_claim_form.html").render(code=code)
        if name == "serial":
            return escape(f"{format_short_code(facts.serial)} · #{facts.number}") if facts else ""
        if name == "report_code":
            return escape(quote(code or "", safe=""))
        raise LookupError(name)

    return "".join(fill(part) if i % 2 else part for i, part in enumerate(parts))


@bp.get("/v/<path:code>")
@bp.get("/V/<path:code>")
def scan_page(code: str) -> str:
    """The verdict for the signed code in the QR. Always 200: every code gets an answer. The
    code is judged as the URL the phone opened, so a bad code gets the same reason here as in
    the API and the field check (docs/label-code.md §4.1)."""
    return judged_page(f"{current_app.config['OCOP_BASE_URL']}/V/{code}", code=code)


def judged_page(text: str, *, code: str | None) -> str:
    """The verdict page for the label ``text`` a phone opened on this site: judged, recorded as
    a web scan and drawn (also for the GS1 form, see :mod:`verify_web.public.gs1`). ``code`` is the
    path part the claim form posts back (``None``: no claim form)."""
    seen = scanlog.observe(request.environ)
    return page(judged(text, seen), seen, code=code)


def judged(text: str, seen: scanlog.Observation) -> verdicts.Checked:
    """Judge the label ``text`` opened on this site for the asker ``seen`` and queue the web
    scan; return the verdict and history for :func:`page`."""
    checked = verdicts.scan(text, seen)
    scanlog.record(checked.verdict, seen, channel="web")
    return checked


@bp.get("/check")
def short_code() -> str | Response:
    """The verdict for a short code typed from the label (when the QR will not scan)."""
    text = request.args.get("code", "")
    if not text.strip():
        return redirect(url_for("home.index"))
    seen = scanlog.observe(request.environ)
    checked = verdicts.short_code(text[:100], seen)
    scanlog.record(checked.verdict, seen, channel="short")
    return page(checked, seen, code=None)


@bp.post("/v/<path:code>/claim")
@bp.post("/V/<path:code>/claim")
def claim(code: str) -> str:
    """Claim the item with its scratch-off secret. A second claim says when it was first claimed."""
    ratelimit.hit(db.engine(), "claim", ratelimit.client_key(), limit=20, per=timedelta(hours=1))
    seen = scanlog.observe(request.environ, record=False)
    checked = verdicts.scan(code, seen)
    facts = checked.verdict.facts
    result = None
    if facts is not None:
        result = claims.claim(
            db.session(),
            label_id=facts.label_id,
            serial=facts.serial,
            secret=request.form.get("secret", "")[:MAX_SECRET],
            source=seen.source,
        )
        # Read the history again after the claim, so a double claim shows as a clone signal.
        checked = verdicts.with_fresh_history(checked, seen)
    return page(checked, seen, code=code, claim=result)

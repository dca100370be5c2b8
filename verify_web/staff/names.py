"""Staff-page words drawn from structured data in the reader's language: audit actions and
their summaries, verdicts, journey steps, and the CSV headers. Audit rows keep an English
``summary`` for the record; pages render the entry from its ``action`` and ``detail``, and an
older row whose detail lacks a field shows its stored summary."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from labels import short_code
from traceability.models import AuditEntry
from traceability.services import casework
from verify_web.core import timefmt
from verify_web.errors import FIELD_LABELS
from verify_web.public.verdict_text import EVENTS, REVOCATION_REASONS

VERDICTS = {
    "genuine": _l("Genuine OCOP label"),
    "expired": _l("Certification expired"),
    "revoked": _l("Label revoked"),
    "invalid": _l("Not a genuine OCOP label"),
}
CHANNELS = {
    "web": _l("QR scan (web page)"),
    "api": _l("app or partner (API)"),
    "short": _l("short code typed in"),
}
ACTIONS = {
    "producer.create": _l("Producer registered"),
    "producer.update": _l("Producer corrected"),
    "product.create": _l("Product registered"),
    "product.update": _l("Product corrected"),
    "certification.create": _l("Rating recorded"),
    "certification.withdraw": _l("Certification withdrawn"),
    "lot.create": _l("Lot added"),
    "lot.event": _l("Journey step added"),
    "labels.issue": _l("Labels issued"),
    "labels.reprint": _l("Labels reprinted"),
    "revocation.create": _l("Labels revoked"),
    "revocation.reinstate": _l("Revocation reinstated"),
    "report.confirm": _l("Report confirmed as fake"),
    "report.dismiss": _l("Report dismissed"),
    "report.link": _l("Report linked to a case"),
    "report.purge": _l("Old reports deleted"),
    "label.clone_cleared": _l("Clone suspect cleared"),
    "label.clone_confirmed": _l("Clone suspect confirmed"),
    "key.rotate": _l("Signing key rotated"),
    "key.retire": _l("Signing key retired"),
    "user.create": _l("Account created"),
    "user.password": _l("Password changed"),
    "user.enable": _l("Account enabled"),
    "user.disable": _l("Account disabled"),
    "user.reset_password": _l("Password reset"),
}
ENTITIES = {
    "producer": _l("producer"),
    "product": _l("product"),
    "certification": _l("certification"),
    "lot": _l("lot"),
    "revocation": _l("revocation"),
    "report": _l("report"),
    "label": _l("label"),
    "key": _l("signing key"),
    "user": _l("account"),
}
TARGETS = {
    "label": _l("label"),
    "range": _l("labels of a lot"),
    "lot": _l("lot"),
    "product": _l("product"),
    "producer": _l("producer"),
    "key": _l("signing key"),
}
# Summaries by action; the fields come from the entry's detail (plus ``id``, its record).
SUMMARIES = {
    "producer.create": _l("Registered producer %(name)s (%(province)s)"),
    "product.create": _l("Registered product %(name)s of %(producer)s"),
    "certification.create": _l(
        "%(stars)s★ for %(product)s (decision %(number)s), valid until %(valid_until)s"
    ),
    "certification.withdraw": _l("Withdrew decision %(number)s: %(reason)s"),
    "lot.create": _l("Lot %(code)s of %(product)s, produced on %(produced_on)s"),
    "lot.event": _l("Lot %(code)s: %(kind)s at %(place)s"),
    "labels.issue": _l("Issued %(count)s labels of lot %(code)s, numbers %(first_number)s–%(last)s"),
    "labels.reprint": _l("Reprinted %(count)s labels of lot %(code)s"),
    "revocation.create": _l("Revoked %(target)s %(ref)s (%(reason)s): %(count)s labels"),
    "revocation.reinstate": _l("Reinstated revocation #%(id)s: %(count)s labels valid again"),
    "report.confirm": _l("Confirmed report #%(id)s: label %(label)s revoked as counterfeit"),
    "report.dismiss": _l("Dismissed report #%(id)s: %(note)s"),
    "report.link": _l("Linked report #%(id)s to case %(case_ref)s"),
    "report.purge": _l("Deleted %(count)s reports older than %(months)s months (privacy notice)"),
    "label.clone_cleared": _l("Label %(label)s cleared as a false alarm: %(note)s"),
    "label.clone_confirmed": _l("Label %(label)s confirmed as carrying a copied code: %(note)s"),
    "key.rotate": _l("Signing key %(id)s is now active"),
    "key.retire": _l("Signing key %(id)s retired; its labels stay valid"),
    "user.create": _l("Account #%(id)s created"),
    "user.password": _l("Account #%(id)s changed its password"),
    "user.enable": _l("Account #%(id)s enabled"),
    "user.disable": _l("Account #%(id)s disabled"),
    "user.reset_password": _l("A new password was set for account #%(id)s"),
}


def action_name(action: str) -> str:
    """Return the audit action in the reader's language (an unknown one as stored)."""
    name = ACTIONS.get(action)
    return str(name) if name is not None else action


def _fields(entry: AuditEntry) -> dict[str, Any]:
    d: dict[str, Any] = {**(entry.detail or {}), "id": entry.entity_id}
    for key in ("valid_until", "produced_on"):
        if isinstance(d.get(key), str):
            d[key] = "/".join(reversed(d[key].split("-")))
    if "kind" in d and d["kind"] in EVENTS:
        d["kind"] = EVENTS[d["kind"]]
    if entry.action == "lot.event":
        d["place"] = d.get("place") or "—"
    if "first_number" in d and "count" in d:
        d["last"] = int(d["first_number"]) + int(d["count"]) - 1
    if entry.action == "revocation.create" and isinstance(d.get("ref"), dict):
        d["ref"] = _ref_text(d.get("target"), d["ref"])
        d["target"] = TARGETS.get(str(d.get("target")), d.get("target"))
        d["reason"] = REVOCATION_REASONS.get(str(d.get("reason")), d.get("reason"))
    if isinstance(d.get("serial"), int):
        d["label"] = short_code(d["serial"])
    return d


def _ref_text(target: object, ref: dict[str, Any]) -> str:
    if target == "label" and isinstance(ref.get("serial"), int):
        return short_code(ref["serial"])
    if target == "range":
        return f"#{ref.get('lot_id')}: {ref.get('first')}–{ref.get('last')}"
    return " ".join(f"#{v}" for k, v in ref.items() if k != "kid") or str(ref.get("kid", ""))


def audit_summary(entry: AuditEntry) -> str:
    """Return the entry's summary in the reader's language, from its action and detail; an
    entry of an unknown action, or an older one whose detail lacks a field, shows its stored
    summary."""
    if entry.action.endswith(".update") and entry.detail:
        fields = ", ".join(str(FIELD_LABELS.get(k, k)) for k in sorted(entry.detail))
        return str(gettext("Changed: %(fields)s", fields=fields))
    template = SUMMARIES.get(entry.action)
    if template is None:
        return entry.summary
    try:
        return str(template) % _fields(entry)
    except (KeyError, TypeError, ValueError):
        return entry.summary


REPORT_STATUSES = {
    "new": _l("new"),
    "linked": _l("linked to a case"),
    "confirmed": _l("confirmed fake"),
    "dismissed": _l("dismissed"),
}
REPORT_COLUMNS = {
    "case": _l("Case number"),
    "status": _l("Status"),
    "seen_verdict": _l("Verdict the shopper saw"),
    "product": _l("Product"),
    "lot": _l("Lot code"),
    "number": _l("Label number"),
    "code_text": _l("Code given"),
    "shop": _l("Shop"),
    "province": _l("Province"),
    "contact": _l("Shopper's contact"),
    "note": _l("Note"),
    "case_ref": _l("Case reference"),
    "handled_by": _l("Handled by"),
}


def report_csv(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Return the reports export (:data:`casework.CSV_COLUMNS` rows) with a header and the
    status and verdict in the reader's language; the time columns name the zone."""
    zone = timefmt.zone_name()
    times = {
        "created_at": gettext("Filed at (%(zone)s)", zone=zone),
        "handled_at": gettext("Handled at (%(zone)s)", zone=zone),
    }
    header = tuple(str(times.get(k) or REPORT_COLUMNS.get(k, k)) for k in casework.CSV_COLUMNS)
    status_at = casework.CSV_COLUMNS.index("status")
    verdict_at = casework.CSV_COLUMNS.index("seen_verdict")
    body = []
    for row in rows:
        cells = list(row)
        cells[status_at] = str(REPORT_STATUSES.get(cells[status_at], cells[status_at]))
        cells[verdict_at] = str(VERDICTS.get(cells[verdict_at], cells[verdict_at]))
        body.append(tuple(cells))
    return [header, *body]


def init_app(app: Flask) -> None:
    """Make the names, the audit summary and the ``localtime`` filter available to templates."""
    timefmt.init_app(app)
    app.jinja_env.globals.update(
        verdict_names=VERDICTS,
        channel_names=CHANNELS,
        action_name=action_name,
        entity_names=ENTITIES,
        audit_summary=audit_summary,
        zone_name=timefmt.zone_name,
    )

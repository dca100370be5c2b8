"""``/admin/revocations``: revoke labels (with a preview of how many are hit) and reinstate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from traceability import RegistryError, ValidationError, validate
from traceability.enums import RevocationReason, RevocationTarget
from traceability.services import naming, revocations
from verify_web.core import db
from verify_web.errors import message_of
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.forms import keyring
from verify_web.staff.label_targets import parse_target

bp = Blueprint("admin_revoke", __name__, url_prefix="/admin/revocations")
# A compromised key is revoked from the key page, where the key itself is also marked.
FORM_TARGETS = [t for t in RevocationTarget if t is not RevocationTarget.KEY]
FORM_REASONS = [r for r in RevocationReason if r is not RevocationReason.KEY_COMPROMISED]


def _form() -> dict[str, str]:
    return {name: request.form.get(name, "")[:4000] for name in ("target", "value", "reason", "note")}


def _page(error: str | None = None, status: int = 200, form: dict[str, str] | None = None) -> tuple[str, int]:
    found = revocations.list_revocations(db.session(), limit=200)
    return render_template(
        "staff/revocations.html",
        revocations=found,
        named=naming.revocation_targets(db.session(), found),
        targets=FORM_TARGETS,
        reasons=FORM_REASONS,
        error=error,
        form=form or {},
        done=request.args.get("done", "")[:12],
    ), status


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int]:
    """The revoke form and the list of revocations."""
    form = {"target": request.args.get("target", "label")[:20], "value": request.args.get("value", "")[:400]}
    return _page(form=form)


def _checked(form: dict[str, str]) -> tuple[RevocationTarget, dict[str, Any], RevocationReason]:
    """Parse the form. Raises :class:`ValidationError`."""
    target, ref = parse_target(form["target"], form["value"], keyring())
    if target is RevocationTarget.KEY:
        raise ValidationError("target", "revoke a signing key from the keys page")
    reason = validate.choice("reason", form["reason"], RevocationReason)
    if reason is RevocationReason.KEY_COMPROMISED:
        raise ValidationError("reason", "key_compromised applies only to a signing key")
    validate.text("note", form["note"], max_length=2000, required=False)
    return target, ref, reason


@bp.post("/preview")
@roles_required("admin")
def preview() -> tuple[str, int]:
    """Show how many labels the revocation would hit and ask to confirm. Changes nothing."""
    form = _form()
    try:
        target, ref, _reason = _checked(form)
        hits = naming.preview(db.session(), target, ref)
    except RegistryError as e:
        return _page(message_of(e), 400, form)
    count = sum(h.count for h in hits)
    return render_template("staff/revoke_confirm.html", form=form, count=count, hits=hits), 200


@bp.post("")
@roles_required("admin")
def create() -> Response | tuple[str, int]:
    """Revoke (after the preview's confirmation) and go back to the list."""
    form = _form()
    try:
        target, ref, reason = _checked(form)
        who, note = actor(), form["note"] or None
        revocation = db.write(
            lambda session: revocations.revoke(
                session, actor=who, target=target, ref=ref, reason=reason, note=note
            )
        )
    except RegistryError as e:
        return _page(message_of(e), 400, form)
    return redirect(url_for("admin_revoke.index", done=revocation.id))


@bp.post("/<int:revocation_id>/reinstate")
@roles_required("admin")
def reinstate(revocation_id: int) -> Response | tuple[str, int]:
    """Undo a mistaken revocation (a note is required; compromised keys cannot be undone)."""
    try:
        who, note = actor(), request.form.get("note", "")[:4000]
        db.write(
            lambda session: revocations.reinstate(session, actor=who, revocation_id=revocation_id, note=note)
        )
    except RegistryError as e:
        return _page(message_of(e), 400)
    return redirect(url_for("admin_revoke.index"))

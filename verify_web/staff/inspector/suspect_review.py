"""``/inspect/suspects/<id>/review``: an inspector marks a clone suspect as reviewed —
cleared (a false alarm: the shopper's page stops warning until a new signal fires) or
confirmed (a copy: the label then goes through the revocation flow)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from traceability import RegistryError
from traceability.services import clonereview
from verify_web.core import db
from verify_web.errors import message_of as error_message
from verify_web.staff.auth import actor, current_user, roles_required
from verify_web.staff.inspector.views import INSPECTORS, suspect_page

bp = Blueprint("suspect_review", __name__, url_prefix="/inspect/suspects")


@bp.post("/<int:label_id>/review")
@roles_required(*INSPECTORS)
def review(label_id: int) -> Response | tuple[str, int]:
    """Record the review with its note. A confirmed copy goes on to its revocation: an admin to
    the revocation form (with its preview) for this label, an inspector back to the label's
    page, whose form revokes it as counterfeit."""
    who = actor()
    outcome, note = request.form.get("outcome", "")[:20], request.form.get("note", "")[:4000]
    try:
        decided = db.write(
            lambda session: clonereview.review(
                session, actor=who, label_id=label_id, outcome=outcome, note=note
            )
        )
    except RegistryError as e:
        return suspect_page(label_id, error_message(e)), 400
    user = current_user()
    if decided is clonereview.CloneReview.CONFIRMED and user is not None and user.role == "admin":
        serial = clonereview.state(db.session(), label_id).serial
        return redirect(url_for("admin_revoke.index", target="label", value=str(serial)))
    return redirect(url_for("inspect.suspect", label_id=label_id, reviewed=decided.value))

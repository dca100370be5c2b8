"""``/admin/partners`` (admins): add a partner for one producer (its token is shown once),
list partners, revoke a token."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from traceability import RegistryError
from traceability.services import partners, producers
from verify_web.core import db
from verify_web.errors import message_of as error_message
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.forms import form_int

bp = Blueprint("admin_partners", __name__, url_prefix="/admin/partners")


def _page(
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    token: str | None = None,
) -> tuple[str, int, dict[str, str]]:
    session = db.session()
    html = render_template(
        "staff/partners.html",
        partners=partners.list_partners(session),
        producers=producers.list_producers(session),
        error=error,
        form=form or {},
        token=token,
    )
    # The page may hold a token shown once: never keep it in a cache.
    return html, status, {"Cache-Control": "no-store"}


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int, dict[str, str]]:
    """Partners and the form to add one."""
    return _page()


@bp.post("")
@roles_required("admin")
def create() -> tuple[str, int, dict[str, str]]:
    """Add a partner and show its token this once; the form again (400) on bad input."""
    form = {
        "name": request.form.get("name", "")[:400],
        "producer_id": request.form.get("producer_id", "")[:12],
    }
    try:
        producer_id, who, name = form_int("producer_id"), actor(), form["name"]
        _partner, token = db.write(
            lambda session: partners.add_partner(session, actor=who, name=name, producer_id=producer_id)
        )
    except RegistryError as e:
        return _page(error=error_message(e), status=400, form=form)
    return _page(token=token)


@bp.post("/<int:partner_id>/revoke")
@roles_required("admin")
def revoke(partner_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """End a partner's token."""
    try:
        who = actor()
        db.write(lambda session: partners.revoke_partner(session, actor=who, partner_id=partner_id))
    except RegistryError as e:
        return _page(error=error_message(e), status=400)
    return redirect(url_for("admin_partners.index"))

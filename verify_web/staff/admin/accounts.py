"""``/admin/users``: create staff accounts and enable or disable them."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from traceability import RegistryError
from traceability.services import producers, users
from verify_web.core import db
from verify_web.errors import message_of
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.forms import form_int

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _page(error: str | None = None, status: int = 200, form: dict[str, str] | None = None) -> tuple[str, int]:
    session = db.session()
    return render_template(
        "staff/users.html",
        users=users.list_users(session),
        producers=producers.list_producers(session),
        roles=list(users.Role),
        error=error,
        form=form or {},
    ), status


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int]:
    """Accounts, and the form to add one."""
    return _page()


@bp.post("")
@roles_required("admin")
def create() -> Response | tuple[str, int]:
    """Add an account; the form again with a message (400) on bad input."""
    form = {k: request.form.get(k, "")[:200] for k in ("username", "role", "producer")}
    try:
        producer_id = form_int("producer") if form["producer"] else None
        users.create_user(
            db.session(),
            actor=actor(),
            username=form["username"],
            password=request.form.get("password", ""),
            role=form["role"],
            producer_id=producer_id,
        )
    except RegistryError as e:
        return _page(message_of(e), 400, form)
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/active")
@roles_required("admin")
def set_active(user_id: int) -> Response | tuple[str, int]:
    """Enable (``active=1``) or disable (``active=0``) an account."""
    try:
        users.set_active(
            db.session(), actor=actor(), user_id=user_id, active=request.form.get("active") == "1"
        )
    except RegistryError as e:
        return _page(message_of(e), 400)
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/password")
@roles_required("admin")
def reset_password(user_id: int) -> Response | tuple[str, int]:
    """Give an account a new password (tell the person out of band); their sessions end."""
    try:
        users.reset_password(
            db.session(), actor=actor(), user_id=user_id, new=request.form.get("password", "")
        )
    except RegistryError as e:
        return _page(message_of(e), 400)
    return redirect(url_for("admin_users.index"))

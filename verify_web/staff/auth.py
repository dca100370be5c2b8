"""Staff sign-in: ``/login``, ``/logout``, ``/account/password``, and the role check every staff
route uses (:func:`roles_required`).

The session cookie (signed, HttpOnly, SameSite=Lax, Secure under HTTPS) holds only the token of
a server-side session (:mod:`traceability.services.staffsessions`), checked on every staff
request: signing out, changing or resetting the password and disabling the account delete it,
so a copy of the cookie taken earlier stops working too.

Sign-in attempts are counted per account *and* source together (and per source over all
accounts), and only failures count: a stranger guessing from elsewhere locks out only
themselves, never the office's own browsers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import timedelta
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from traceability import ValidationError
from traceability.models import User
from traceability.services import staffsessions, users
from verify_web.core import db, ratelimit, security
from verify_web.errors import message_of

bp = Blueprint("auth", __name__)
P = ParamSpec("P")
R = TypeVar("R")

# Failed sign-ins per 15 minutes: 10 for one account from one source, 30 from one source in all.
ACCOUNT_LIMIT, SOURCE_LIMIT, WINDOW = 10, 30, timedelta(minutes=15)
HOME = {"admin": "admin.home", "inspector": "inspect.home", "producer": "producer.home"}


def current_user() -> User | None:
    """Return the signed-in, active user of this request, or ``None``."""
    if "user" in g:
        found: User | None = g.user
        return found
    token = session.get("sid")
    user = staffsessions.user_for(db.session(), token) if isinstance(token, str) else None
    g.user = user
    return user


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Decorator: anonymous visitors go to ``/login``; signed-in users of other roles get 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]  # read by the role-matrix test
        return wrapper

    return decorate


def actor() -> str:
    """The audit-log name of the signed-in user (the view has already checked there is one)."""
    user = current_user()
    return user.username if user else "anonymous"


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never let ?next= send a fresh session to another site.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if not urlsplit(target).netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """GET: the form. POST: sign in, or the form again with a message (401)."""
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()[:80]
        password = request.form.get("password", "")
        source = ratelimit.client_key()
        # Counted before the check (so parallel guesses are bounded too), forgiven on success.
        buckets = [
            ("login-source", source, SOURCE_LIMIT),
            ("login-account", f"{username or '-'}|{source}", ACCOUNT_LIMIT),
        ]
        for bucket, ident, limit in buckets:
            ratelimit.hit(db.engine(), bucket, ident, limit=limit, per=WINDOW)
        user = users.authenticate(db.session(), username, password) if username and password else None
        if user is not None:
            for bucket, ident, _limit in buckets:
                ratelimit.forgive(db.engine(), bucket, ident, per=WINDOW)
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for(HOME[user.role]))
        error = gettext("Wrong username or password.")
    page = render_template("staff/login.html", error=error, username=username)
    return (page, 401) if error else page


def _sign_in(user: User) -> None:
    previous = session.get("sid")
    if isinstance(previous, str):  # signing in again in the same browser: the old one ends
        staffsessions.end(db.session(), previous)
    session.clear()  # a new session's worth of state: no fixation of old CSRF tokens
    session["sid"] = staffsessions.start(db.session(), user)
    session.permanent = False


@bp.post("/logout")
def logout() -> Response:
    """Sign out (POST with the CSRF token, so other sites cannot sign staff out). The server
    side session ends, so copies of this cookie are refused from now on."""
    token = session.get("sid")
    if isinstance(token, str):
        staffsessions.end(db.session(), token)
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required("admin", "inspector", "producer")
def password() -> str | tuple[str, int]:
    """Change one's own password; every other session of this account ends."""
    user = current_user()
    assert user is not None
    if request.method == "GET":
        return render_template("staff/password.html")
    new = request.form.get("new", "")
    if new != request.form.get("repeat", ""):
        return render_template("staff/password.html", error=gettext("The two new passwords differ.")), 400
    try:
        users.change_password(db.session(), user_id=user.id, current=request.form.get("current", ""), new=new)
    except ValidationError as e:
        message = gettext("The current password is wrong.") if e.field == "current" else message_of(e)
        return render_template("staff/password.html", error=message), 400
    _sign_in(user)  # every session of the account ended; this browser gets a new one
    return render_template("staff/password.html", done=True)


@bp.app_template_global("current_staff")
def current_staff() -> User | None:
    """Templates' view of the signed-in user (for the staff menu)."""
    return current_user()


@bp.get("/app/session.json")
def session_facts() -> Response:
    """For the offline app (``/app/``): the CSRF token of this browser's session and the
    signed-in role (``null`` for a shopper), read before it sends its queue; never cached."""
    user = current_user()
    body = json.dumps({"csrf": security.csrf_token(), "role": user.role if user else None})
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})

"""The home page: type the short code printed on the label, and learn what OCOP stars mean.
Also ``/ping``, the trivial route benchmarks compare against."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """The home page with the short-code form (answered by ``/check``)."""
    return render_template("home.html")


@bp.get("/ping")
def ping() -> Response:
    """A trivial response through the same app and middleware (the benchmark's baseline)."""
    return Response("ok", mimetype="text/plain")

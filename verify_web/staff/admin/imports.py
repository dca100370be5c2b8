"""``/admin/import``: bulk import of producers, products and certifications from the
province's spreadsheet. Upload → dry run (every row's outcome, nothing written) → confirm →
one atomic import with an audit entry.

Between the dry run and the confirmation the upload is kept, owner-only, under
``OCOP_UPLOAD_DIR/imports`` with a random name; the confirmation checks the file again against
the registry as it is then, and removes it once imported. Kept files are removed after a day.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext

from traceability import RegistryError, spreadsheet
from traceability.services import bulk_import
from verify_web.core import db
from verify_web.errors import message_of
from verify_web.staff.auth import actor, roles_required
from verify_web.staff.import_text import actions, error_text

bp = Blueprint("admin_import", __name__, url_prefix="/admin/import")
_TOKEN = re.compile(r"[0-9a-f]{32}\.(xlsx|csv)")
KEEP_SECONDS = 24 * 3600
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _folder() -> Path:
    return Path(current_app.config["OCOP_UPLOAD_DIR"]) / "imports"


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("staff/import.html", actions=actions, error_text=error_text, **context), status


@bp.get("")
@roles_required("admin")
def index() -> tuple[str, int]:
    """The upload form and the templates."""
    return _page()


@bp.get("/template.xlsx", defaults={"kind": "xlsx"})
@bp.get("/template.csv", defaults={"kind": "csv"})
@roles_required("admin")
def template(kind: str) -> Response:
    """The empty template with Vietnamese headers and an example row."""
    response = Response(spreadsheet.template(kind), mimetype=TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="mau-nhap-ocop.{kind}"'
    return response


@bp.post("")
@roles_required("admin")
def dry_run() -> tuple[str, int]:
    """Check the uploaded file row by row; keep it for the confirmation if every row is right."""
    upload = request.files.get("file")
    name = Path(upload.filename or "").name[:100] if upload else ""
    data = upload.read() if upload else b""
    try:
        plan = bulk_import.plan_import(db.session(), spreadsheet.read(data, name))
    except RegistryError as e:
        return _page(400, error=message_of(e))
    token = _keep(data, name) if plan.ok else None
    return _page(200 if plan.ok else 400, plan=plan, name=name, token=token)


@bp.post("/commit")
@roles_required("admin")
def commit() -> tuple[str, int]:
    """Import the kept file in one transaction, or nothing (400 with every row's outcome)."""
    token, name = request.form.get("token", ""), request.form.get("name", "")[:100]
    path = _folder() / token
    if not _TOKEN.fullmatch(token) or not path.is_file():
        return _page(400, error=gettext("This dry run has expired; upload the file again."))
    try:
        plan = bulk_import.plan_import(db.session(), spreadsheet.read(path.read_bytes(), token))
    except RegistryError as e:
        return _page(400, error=message_of(e))
    try:
        bulk_import.commit_import(db.session(), plan, actor=actor(), source=name or token)
    except RegistryError as e:  # the registry changed since the dry run: show the rows again
        return _page(400, error=message_of(e), plan=plan, name=name)
    path.unlink(missing_ok=True)
    return _page(done=plan, name=name)


def _keep(data: bytes, name: str) -> str:
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():  # dry runs nobody confirmed
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = f"{secrets.token_hex(16)}.{'xlsx' if name.lower().endswith('.xlsx') else 'csv'}"
    fd = os.open(folder / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return token

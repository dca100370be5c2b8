""" "Report a suspected fake": where it was bought, an optional photo, an optional contact.

Photos are checked and re-encoded by :mod:`verify_web.core.photos` (real image, allowed type, at most
5 MB and 24 MP, decoded within a memory budget; stored as a JPEG of pixels only, with no EXIF,
GPS, XMP, ICC or comment) under ``OCOP_UPLOAD_DIR`` with a random name, owner-only (0600 in a
0700 folder); they are never served back from here.
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from traceability import ValidationError, validate
from traceability.services import reports
from usecases.label_refs import code_serial
from verify_web.core import db, photos, ratelimit
from verify_web.core.services import services
from verify_web.errors import PhotoError

bp = Blueprint("reports", __name__)
# How long a report is kept, as the privacy notice on the form states (Decree 13/2023/NĐ-CP);
# `ocop reports purge` deletes older ones.
REPORT_KEPT_MONTHS = reports.KEPT_MONTHS

MAX_PHOTO_BYTES = 5 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
FIELD_ERRORS = {
    "shop": _l("Please say which shop or market sold the product (up to 200 characters)."),
    "province": _l("Please give the province or city (up to 100 characters)."),
    "note": _l("The note is too long (up to 2000 characters) or contains control characters."),
    "contact": _l("The contact is too long (up to 200 characters) or contains control characters."),
    "code": _l("The code is too long (up to 400 characters) or contains control characters."),
    "photo": _l("The photo must be a JPEG, PNG or WebP image of at most 5 MB and 24 megapixels."),
    "idempotency_key": _l("This form could not be matched to its earlier sending. Open the form again."),
}
# Sent with a replay of an offline queue's request that was stored before (docs/revocation-list.md §11).
REPLAYED = {"Idempotent-Replayed": "true"}


@bp.get("/report")
def form() -> str:
    """The empty form, with the code pre-filled when coming from a scan page. Its idempotency
    key makes sending it twice (a double tap, a reload) store one report."""
    values = {"code": request.args.get("code", "")[:400], "idempotency_key": str(uuid.uuid4())}
    return render_template(
        "report.html", values=values, error=None, field_errors=FIELD_ERRORS, kept_months=REPORT_KEPT_MONTHS
    )


@bp.post("/report")
def submit() -> tuple[str, int] | tuple[str, int, dict[str, str]] | str:
    """Store the report (and photo). 400 with the form again and the field named on bad input;
    a request repeating an earlier one's idempotency key stores nothing and answers as that one."""
    names = ("code", "shop", "province", "note", "contact", "idempotency_key")
    values = {name: request.form.get(name, "") for name in names}
    try:
        key = validate.idempotency_key(request.headers.get("Idempotency-Key") or values["idempotency_key"])
        earlier = reports.by_idempotency_key(db.session(), key) if key else None
        if earlier is not None:  # a replay is not another report: no rate-limit hit either
            return render_template("report_done.html", report_id=earlier.id), 200, REPLAYED
        ratelimit.hit(db.engine(), "report", ratelimit.client_key(), limit=10, per=timedelta(hours=1))
        photo = _photo(request.files.get("photo"))
        submitted = reports.submit_report(
            db.session(),
            code_text=values["code"],
            serial=_serial_of(values["code"]),
            shop=values["shop"],
            province=values["province"],
            note=values["note"],
            contact=values["contact"],
            photo_path=None,
            idempotency_key=key,
        )
    except (ValidationError, PhotoError) as e:
        if e.field == "idempotency_key":
            values["idempotency_key"] = str(uuid.uuid4())
        return render_template(
            "report.html",
            values=values,
            error=e.field,
            field_errors=FIELD_ERRORS,
            kept_months=REPORT_KEPT_MONTHS,
        ), 400
    report = submitted.report
    if submitted.replayed:
        return render_template("report_done.html", report_id=report.id), 200, REPLAYED
    if photo is not None:
        # Written only after the report validated; the DB commit follows this 200 response.
        report.photo_path = _store(photo)
    return render_template("report_done.html", report_id=report.id)


def _serial_of(code: str) -> int | None:
    # A forged or mistyped code is still worth reporting; it just names no label.
    if not code.strip():
        return None
    try:
        return code_serial(code, services().keystore.keyring())
    except ValidationError:
        return None


def _photo(upload: FileStorage | None) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("too_large")
    return photos.clean_jpeg(data, formats=ALLOWED_FORMATS)


def _store(data: bytes) -> str:
    folder = Path(current_app.config["OCOP_UPLOAD_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return name

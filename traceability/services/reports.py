"""Shoppers' reports of suspected fakes. Inspectors (another module) read and handle them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..models import Label, Report


def submit_report(
    session: Session,
    *,
    code_text: object,
    serial: int | None,
    shop: object,
    province: object,
    note: object,
    contact: object,
    photo_path: str | None,
) -> Report:
    """Record a report with status ``new`` and return it.

    Raises :class:`traceability.ValidationError` naming the field: the shop and province are
    required; everything else is optional and length-checked. A ``serial`` of a known label
    links the report to that label.
    """
    report = Report(
        code_text=validate.text("code", code_text, max_length=400, required=False),
        serial=serial,
        label_id=session.scalar(select(Label.id).where(Label.serial == serial))
        if serial is not None
        else None,
        shop=validate.required_text("shop", shop, max_length=200),
        province=validate.required_text("province", province, max_length=100),
        note=validate.text("note", note, max_length=2000, required=False),
        contact=validate.text("contact", contact, max_length=200, required=False),
        photo_path=photo_path,
        status="new",
    )
    session.add(report)
    session.flush()
    return report

"""Scans and shoppers' reports for tests, recorded through the real services."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from traceability.models import Label, Report
from traceability.services import reports, scans


def add_scan(
    session: Session,
    label: Label | None,
    *,
    source: str = "s",
    area: str | None = None,
    at: datetime | None = None,
    verdict: str = "genuine",
    serial: int | None = None,
) -> None:
    """Record one scan of ``label`` (or of ``serial``, a code that names none of ours) with
    :func:`scans.record_scans`; ``at`` None means now."""
    row = scans.scan_row(
        serial=label.serial if label is not None else serial,
        label_id=label.id if label is not None else None,
        verdict=verdict,
        channel="web",
        area=area,
        device=None,
        source_hash=source,
        at=at,
    )
    scans.record_scans(session, [row])


def add_report(
    session: Session, serial: int | None, *, shop: str = "Chợ Đồng Xuân", note: str | None = None
) -> Report:
    """File a shopper's report naming ``serial`` with :func:`reports.submit_report`; returns it."""
    submitted = reports.submit_report(
        session,
        code_text=f"code {serial}",
        serial=serial,
        shop=shop,
        province="Hà Nội",
        note=note,
        contact=None,
        photo_path=None,
    )
    return submitted.report

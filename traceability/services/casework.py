"""Shoppers' reports of suspected fakes: the inspectors' queue, and what they decide.

Confirming a report revokes its label as counterfeit in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..enums import RevocationReason, RevocationTarget
from ..exc import NotFound, StateError, ValidationError
from ..models import Label, Report, Revocation, Scan, utcnow
from . import audit, naming, revocations
from .naming import PrintedName


class ReportStatus(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"  # the label was revoked as counterfeit
    DISMISSED = "dismissed"
    LINKED = "linked"  # attached to an investigation case, still open


OPEN = (ReportStatus.NEW.value, ReportStatus.LINKED.value)


def list_reports(session: Session, *, status: str | None = None, limit: int = 500) -> Sequence[Report]:
    """Return reports, newest first; ``status`` ``"open"`` means new or linked to a case.

    Raises :class:`ValidationError` for an unknown status.
    """
    query = select(Report).order_by(Report.id.desc()).limit(limit)
    if status == "open":
        query = query.where(Report.status.in_(OPEN))
    elif status:
        query = query.where(Report.status == validate.choice("status", status, ReportStatus).value)
    return session.scalars(query).all()


def get_report(session: Session, report_id: int) -> Report:
    """Return the report. Raises :class:`NotFound`."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("report", report_id)
    return report


def _open_report(session: Session, report_id: int) -> Report:
    report = get_report(session, report_id)
    if report.status not in OPEN:
        raise StateError("report", report_id, "this report is already %(status)s", status=report.status)
    return report


def _close(report: Report, actor: str, status: ReportStatus) -> None:
    report.status = status.value
    report.handled_by = actor
    report.handled_at = utcnow()


def confirm(session: Session, *, actor: str, report_id: int, note: str | None = None) -> Revocation:
    """Confirm the report: revoke its label as counterfeit and return the revocation.

    Raises :class:`NotFound`, :class:`StateError` (already handled, or no known label linked).
    """
    report = _open_report(session, report_id)
    serial = report.serial
    if serial is None and report.label_id is not None:
        serial = session.scalar(select(Label.serial).where(Label.id == report.label_id))
    if serial is None or not session.scalar(select(Label.id).where(Label.serial == serial)):
        raise StateError(
            "report", report_id, "this report names no label of ours; dismiss it or link it to a case"
        )
    text = validate.text("note", note, max_length=2000, required=False)
    revocation = revocations.revoke(
        session,
        actor=actor,
        target=RevocationTarget.LABEL,
        ref={"serial": serial},
        reason=RevocationReason.COUNTERFEIT,
        note=text or f"Shopper report #{report.id}",
    )
    _close(report, actor, ReportStatus.CONFIRMED)
    audit.record(
        session,
        actor=actor,
        action="report.confirm",
        entity="report",
        entity_id=report.id,
        summary=f"Confirmed report #{report.id}: label {serial} revoked as counterfeit",
        detail={"revocation_id": revocation.id, "note": text, "serial": serial},
    )
    return revocation


def dismiss(session: Session, *, actor: str, report_id: int, note: str) -> Report:
    """Close the report without action; returns it. Raises :class:`NotFound`,
    :class:`StateError`, :class:`ValidationError` (a note is required)."""
    report = _open_report(session, report_id)
    why = validate.required_text("note", note, max_length=2000)
    _close(report, actor, ReportStatus.DISMISSED)
    audit.record(
        session,
        actor=actor,
        action="report.dismiss",
        entity="report",
        entity_id=report.id,
        summary=f"Dismissed report #{report.id}: {why}",
        detail={"note": why},
    )
    return report


def link_case(session: Session, *, actor: str, report_id: int, case_ref: str) -> Report:
    """Attach the report to an investigation case (it stays open); returns it.

    Raises :class:`NotFound`, :class:`StateError`, :class:`ValidationError` (empty case ref).
    """
    report = _open_report(session, report_id)
    ref = validate.required_text("case_ref", case_ref, max_length=100)
    report.case_ref = ref
    report.status = ReportStatus.LINKED.value
    audit.record(
        session,
        actor=actor,
        action="report.link",
        entity="report",
        entity_id=report.id,
        summary=f"Linked report #{report.id} to case {ref}",
        detail={"case_ref": ref},
    )
    return report


@dataclass(frozen=True, slots=True)
class Case:
    """A report as the queue shows it: the printed name of its label (None when the code names
    none of ours), the verdict of the last scan of that code up to the report (what the
    shopper saw; None if it was never scanned), and whether confirming it can succeed."""

    report: Report
    label: PrintedName | None
    seen_verdict: str | None

    @property
    def number(self) -> str:
        """Return the case number staff quote: ``PA-<year filed>-<report id, 5 digits>``
        (phản ánh: a shopper's report), e.g. ``PA-2026-00012``."""
        return f"PA-{self.report.created_at.year}-{self.report.id:05d}"

    @property
    def can_confirm(self) -> bool:
        """True when confirming would revoke a label: the code is one of ours."""
        return self.report.status in OPEN and self.label is not None


def queue(session: Session, *, status: str | None = None, limit: int = 500) -> list[Case]:
    """Return :func:`list_reports` as cases, newest first. Raises :class:`ValidationError`
    for an unknown status."""
    found = list_reports(session, status=status, limit=limit)
    names = naming.by_serial(session, (r.serial for r in found))
    cases = []
    for r in found:
        seen = None
        if r.serial is not None:
            seen = session.scalar(
                select(Scan.verdict)
                .where(Scan.serial == r.serial, Scan.at <= r.created_at)
                .order_by(Scan.at.desc(), Scan.id.desc())
                .limit(1)
            )
        cases.append(Case(r, names.get(r.serial) if r.serial is not None else None, seen))
    return cases


CSV_COLUMNS = (
    "case",
    "created_at",
    "status",
    "seen_verdict",
    "product",
    "lot",
    "number",
    "code_text",
    "shop",
    "province",
    "contact",
    "note",
    "case_ref",
    "handled_by",
    "handled_at",
)


def csv_rows(
    session: Session, *, status: str | None = None, when: Callable[[datetime | None], str]
) -> list[tuple[str, ...]]:
    """Return the reports as text rows for CSV export in :data:`CSV_COLUMNS` order (no header:
    the caller names the columns in the reader's language). ``when`` formats a time, so the
    export shows the same clock as the pages. Cells that a spreadsheet would run as a formula
    are prefixed with ``'``. Raises :class:`ValidationError` for an unknown status."""
    rows: list[tuple[str, ...]] = []
    for c in queue(session, status=status, limit=100_000):
        r = c.report
        values = (
            c.number,
            when(r.created_at),
            r.status,
            c.seen_verdict,
            c.label.product_name if c.label else None,
            c.label.lot_code if c.label else None,
            c.label.number if c.label else None,
            r.code_text,
            r.shop,
            r.province,
            r.contact,
            r.note,
            r.case_ref,
            r.handled_by,
            when(r.handled_at),
        )
        rows.append(tuple(_cell(v) for v in values))
    return rows


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


__all__ = [
    "Case",
    "ReportStatus",
    "ValidationError",
    "confirm",
    "csv_rows",
    "dismiss",
    "get_report",
    "link_case",
    "list_reports",
    "queue",
]

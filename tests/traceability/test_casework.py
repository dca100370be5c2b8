"""traceability.services.casework: the inspectors' queue of shoppers' reports and what they
decide (confirm revokes the label as counterfeit, dismiss, link to a case), each audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.activity import add_report, add_scan
from tests.support.factories import issue, make_world
from traceability import NotFound, StateError, ValidationError
from traceability.enums import RecordStatus, RevocationReason
from traceability.models import AuditEntry, Label
from traceability.services import casework

KEY = private_key_from_seed(bytes(range(32)))


def _audit(session: Session, action: str, report_id: int) -> AuditEntry:
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_id == str(report_id))
    ).one()


def test_confirm_revokes_the_label_as_counterfeit_and_audits(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    report = add_report(session, label.serial)
    revocation = casework.confirm(session, actor="insp", report_id=report.id, note="  hàng giả  ")
    session.flush()
    assert revocation.reason == RevocationReason.COUNTERFEIT and revocation.note == "hàng giả"
    assert session.scalar(select(Label.status).where(Label.id == label.id)) == RecordStatus.REVOKED
    assert (report.status, report.handled_by) == ("confirmed", "insp") and report.handled_at is not None
    entry = _audit(session, "report.confirm", report.id)
    assert entry.detail == {"revocation_id": revocation.id, "note": "hàng giả", "serial": label.serial}
    with pytest.raises(StateError):
        casework.confirm(session, actor="insp", report_id=report.id)  # already handled


def test_confirm_without_note_names_the_report(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    report = add_report(session, label.serial)
    revocation = casework.confirm(session, actor="insp", report_id=report.id)
    assert revocation.note == f"Shopper report #{report.id}"


def test_confirm_refuses_a_code_that_names_no_label_of_ours(session: Session) -> None:
    report = add_report(session, 987654321)
    with pytest.raises(StateError):
        casework.confirm(session, actor="insp", report_id=report.id)
    assert report.status == "new"
    with pytest.raises(NotFound):
        casework.confirm(session, actor="insp", report_id=report.id + 100)


def test_dismiss_needs_a_note_and_closes(session: Session) -> None:
    report = add_report(session, None)
    with pytest.raises(ValidationError) as bad:
        casework.dismiss(session, actor="insp", report_id=report.id, note="   ")
    assert bad.value.field == "note" and report.status == "new"
    casework.dismiss(session, actor="insp", report_id=report.id, note="ảnh không rõ")
    assert (report.status, report.handled_by) == ("dismissed", "insp")
    assert _audit(session, "report.dismiss", report.id).detail == {"note": "ảnh không rõ"}
    with pytest.raises(StateError):
        casework.link_case(session, actor="insp", report_id=report.id, case_ref="VV-1")


def test_link_case_keeps_the_report_open(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    report = add_report(session, label.serial)
    with pytest.raises(ValidationError):
        casework.link_case(session, actor="insp", report_id=report.id, case_ref="")
    casework.link_case(session, actor="insp", report_id=report.id, case_ref="VV-2026-7")
    assert (report.status, report.case_ref, report.handled_by) == ("linked", "VV-2026-7", None)
    assert _audit(session, "report.link", report.id).detail == {"case_ref": "VV-2026-7"}
    assert [r.id for r in casework.list_reports(session, status="open")] == [report.id]
    casework.confirm(session, actor="insp", report_id=report.id)  # a linked report is still open
    assert report.status == "confirmed"


def test_list_reports_filters_by_status_newest_first(session: Session) -> None:
    first, second, third = (add_report(session, None) for _ in range(3))
    casework.dismiss(session, actor="insp", report_id=second.id, note="trùng")
    session.flush()
    assert [r.id for r in casework.list_reports(session)] == [third.id, second.id, first.id]
    assert [r.id for r in casework.list_reports(session, status="open")] == [third.id, first.id]
    assert [r.id for r in casework.list_reports(session, status="dismissed")] == [second.id]
    assert [r.id for r in casework.list_reports(session, limit=1)] == [third.id]
    with pytest.raises(ValidationError):
        casework.list_reports(session, status="lost")
    with pytest.raises(NotFound):
        casework.get_report(session, third.id + 1)


def test_queue_shows_the_name_and_the_verdict_the_shopper_saw(session: Session) -> None:
    world = make_world(session, name="Mật ong bạc hà")
    scanned, quiet = issue(session, world, KEY, 2)
    add_scan(session, scanned, verdict="revoked", at=datetime.now(UTC) - timedelta(hours=2))
    add_scan(session, scanned, verdict="genuine", at=datetime.now(UTC) - timedelta(hours=1))
    report = add_report(session, scanned.serial)
    add_scan(session, scanned, verdict="revoked", at=datetime.now(UTC) + timedelta(hours=1))  # after
    unscanned, foreign = add_report(session, quiet.serial), add_report(session, 123)
    session.flush()
    cases = {c.report.id: c for c in casework.queue(session)}
    case = cases[report.id]
    assert case.seen_verdict == "genuine" and case.label is not None
    assert (case.label.product_name, case.label.lot_code) == ("Mật ong bạc hà", world.lot.code)
    assert case.number == f"PA-{report.created_at.year}-{report.id:05d}" and case.can_confirm
    assert cases[unscanned.id].seen_verdict is None and cases[unscanned.id].can_confirm
    assert cases[foreign.id].label is None and not cases[foreign.id].can_confirm


def test_csv_rows_follow_the_columns_and_defuse_formulas(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    report = add_report(session, label.serial, shop='=HYPERLINK("x")', note="-1")
    session.flush()
    rows = casework.csv_rows(session, when=lambda t: "" if t is None else "T")
    assert len(rows) == 1 and len(rows[0]) == len(casework.CSV_COLUMNS)
    row = dict(zip(casework.CSV_COLUMNS, rows[0], strict=True))
    assert row["case"] == f"PA-{report.created_at.year}-{report.id:05d}"
    assert (row["created_at"], row["handled_at"], row["status"]) == ("T", "", "new")
    assert row["shop"] == '\'=HYPERLINK("x")' and row["note"] == "'-1" and row["province"] == "Hà Nội"
    assert row["number"] == str(label.number)
    assert casework.csv_rows(session, status="dismissed", when=str) == []

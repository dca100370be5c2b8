"""``ocop reports purge``: reports past the privacy notice's period are deleted with their
photos, atomically and audit-logged, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.cli import run
from tests.verify_web.staff import add_report
from traceability.models import AuditEntry, Report
from traceability.services.reports import KEPT_MONTHS, months_before
from verify_web.public.fake_report import REPORT_KEPT_MONTHS


def old_reports(app: Flask, session: Session) -> tuple[Path, dict[str, int]]:
    """Three reports: two past the period (one with a photo), one inside it with a photo."""
    folder = Path(app.config["OCOP_UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    made = {}
    for name, months, days, photo in (
        ("old", KEPT_MONTHS + 1, 0, "a.jpg"),
        ("edge", KEPT_MONTHS, 1, None),
        ("kept", KEPT_MONTHS - 1, 0, "b.jpg"),
    ):
        if photo:
            (folder / photo).write_bytes(b"\xff\xd8 photo")
        made[name] = add_report(
            session,
            None,
            shop="Chợ Đồng Xuân",
            province="Hà Nội",
            contact="0912 345 678",
            note="Tem mờ",
            photo_path=photo,
            created_at=months_before(now, months) - timedelta(days=days),
        )
    return folder, made


def remaining(session: Session) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(Report.id)))


def test_the_notice_and_the_purge_name_one_period() -> None:
    assert REPORT_KEPT_MONTHS == KEPT_MONTHS == 24
    assert months_before(datetime(2026, 12, 31, 9, tzinfo=UTC), 10) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert months_before(datetime(2026, 3, 1, tzinfo=UTC), 24) == datetime(2024, 3, 1, tzinfo=UTC)


def test_purge_deletes_reports_past_the_period_and_their_photos(
    app: Flask, runner: FlaskCliRunner, app_session: Session
) -> None:
    folder, made = old_reports(app, app_session)
    code, out = run(runner, "reports", "purge", "--dry-run")
    assert code == 0 and "Would delete 2 reports" in out and "(1 photos)" in out
    assert remaining(app_session) == set(made.values()) and (folder / "a.jpg").exists()
    code, out = run(runner, "reports", "purge")
    assert code == 0 and "Deleted 2 reports" in out, out
    assert remaining(app_session) == {made["kept"]}
    assert not (folder / "a.jpg").exists() and (folder / "b.jpg").exists()
    (entry,) = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "report.purge")).all()
    assert entry.detail["ids"] == sorted([made["old"], made["edge"]]) and entry.detail["months"] == 24
    assert "0912" not in str(entry.detail) and "0912" not in entry.summary  # the log keeps no contact
    code, out = run(runner, "reports", "purge")  # nothing more to do: nothing logged
    assert code == 0 and "Deleted 0 reports" in out
    assert len(app_session.scalars(select(AuditEntry).where(AuditEntry.action == "report.purge")).all()) == 1


def test_a_photo_that_cannot_be_removed_leaves_every_report(
    app: Flask, runner: FlaskCliRunner, app_session: Session
) -> None:
    folder, made = old_reports(app, app_session)
    (folder / "a.jpg").unlink()
    (folder / "a.jpg").mkdir()  # unlink() fails on a directory, even for root
    code, out = run(runner, "reports", "purge")
    assert code == 1 and "could not remove photo a.jpg" in out and "Traceback" not in out
    assert remaining(app_session) == set(made.values())
    assert not app_session.scalars(select(AuditEntry).where(AuditEntry.action == "report.purge")).all()

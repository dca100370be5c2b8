"""``ocop scans purge``: scans past the retention period are deleted in batches, audit-logged,
on SQLite and PostgreSQL; each label keeps its own summary, and bad arguments are one-line
errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.cli import run
from tests.support.factories import World, issue
from tests.verify_web.staff import add_scan
from traceability.models import AuditEntry, Label, Scan
from traceability.services.reports import months_before
from traceability.services.scan_retention import FEWEST_MONTHS, KEPT_MONTHS


def _scans(session: Session) -> list[datetime]:
    session.expire_all()
    return sorted(at.astimezone(UTC) for at in session.scalars(select(Scan.at)))


def _purges(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "scans.purge")))


def test_purge_deletes_scans_past_the_period_batch_by_batch(
    runner: FlaskCliRunner, app_session: Session, world: World, app_signer: PrivateKey
) -> None:
    (label,) = issue(app_session, world, app_signer, count=1)
    now = datetime.now(UTC)
    old = months_before(now, KEPT_MONTHS) - timedelta(days=1)
    kept = [months_before(now, KEPT_MONTHS) + timedelta(days=1), now - timedelta(days=2)]
    for n in range(250):
        add_scan(app_session, label, at=old - timedelta(minutes=n))
    for at in kept:
        add_scan(app_session, label, at=at)
    label.scan_count, label.first_scanned_at = 252, old - timedelta(minutes=249)
    app_session.commit()

    code, out = run(runner, "scans", "purge", "--dry-run")
    assert code == 0 and "Would delete 250 scans recorded before" in out, out
    assert len(_scans(app_session)) == 252 and not _purges(app_session)

    code, out = run(runner, "scans", "purge", "--batch", 100)  # three batches: 100, 100, 50
    day = f"{months_before(now, KEPT_MONTHS).astimezone(ZoneInfo('Asia/Ho_Chi_Minh')):%Y-%m-%d %H:}"
    assert code == 0 and f"Deleted 250 scans recorded before {day}" in out and "+07" in out, out
    assert [round(at.timestamp()) for at in _scans(app_session)] == [round(at.timestamp()) for at in kept]
    (entry,) = _purges(app_session)
    assert entry.detail["count"] == 250 and entry.detail["months"] == KEPT_MONTHS
    stored = app_session.get(Label, label.id)
    assert stored is not None and stored.scan_count == 252 and stored.first_scanned_at is not None

    code, out = run(runner, "scans", "purge")  # nothing left to delete: nothing logged
    assert code == 0 and "Deleted 0 scans" in out
    assert len(_purges(app_session)) == 1


def test_a_shorter_period_keeps_fewer_months(
    runner: FlaskCliRunner, app_session: Session, world: World, app_signer: PrivateKey
) -> None:
    (label,) = issue(app_session, world, app_signer, count=1)
    now = datetime.now(UTC)
    for months in (FEWEST_MONTHS + 1, FEWEST_MONTHS - 1):
        add_scan(app_session, label, at=months_before(now, months))
    app_session.commit()
    code, out = run(runner, "scans", "purge", "--keep-months", FEWEST_MONTHS)
    assert code == 0 and "Deleted 1 scans" in out and f"keeping {FEWEST_MONTHS} months" in out
    assert app_session.scalar(select(func.count()).select_from(Scan)) == 1


def test_bad_arguments_are_one_line_errors(runner: FlaskCliRunner, app_session: Session) -> None:
    for args, expected in (
        (["--keep-months", FEWEST_MONTHS - 1], "keep_months: keep between 13 and 1200 months"),
        (["--keep-months", "two"], "'two' is not a valid integer"),
        (["--keep-months", "99999999999999999999"], "keep_months: keep between"),
        (["--batch", 5], "5 is not in the range 100<=x<=100000"),
    ):
        code, out = run(runner, "scans", "purge", *args)
        assert code != 0 and expected in out and "Traceback" not in out, (args, out)
    assert not _purges(app_session)

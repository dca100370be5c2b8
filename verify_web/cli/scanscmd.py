"""``ocop scans purge``: delete individual scans older than the retention period
(:data:`traceability.services.scan_retention.KEPT_MONTHS` months unless ``--keep-months``
says otherwise), a batch a transaction, with one audit entry for the run. Run it daily (cron
or a systemd timer); ``--dry-run`` only counts."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from traceability.services import scan_retention
from verify_web.core import clock

from .common import CLI_ACTOR, domain_errors, transaction

group = AppGroup("scans", help="Individual scans: how long they are kept.")


@group.command("purge")
@click.option(
    "--keep-months",
    type=int,
    default=scan_retention.KEPT_MONTHS,
    show_default=True,
    help=f"Months of scans to keep (at least {scan_retention.FEWEST_MONTHS}).",
)
@click.option(
    "--batch",
    type=click.IntRange(100, 100_000),
    default=scan_retention.BATCH,
    show_default=True,
    help="Scans deleted a transaction.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@domain_errors
def purge(keep_months: int, batch: int, dry_run: bool) -> None:
    """Delete scans recorded more than the retention period ago; each label keeps its own
    count, first scan and recent-scan summary. Stopped half-way (Ctrl-C, a lost database),
    what was deleted stays deleted and is in the audit log; the next run goes on."""
    before = scan_retention.cutoff(datetime.now(UTC), keep_months)
    day = f"{before.astimezone(clock.zone()):%Y-%m-%d %H:%M %Z}"  # the programme's time
    if dry_run:
        with transaction() as session:
            count = scan_retention.count_before(session, before)
        click.echo(f"Would delete {count} scans recorded before {day} (keeping {keep_months} months).")
        return
    total = 0
    try:
        while True:
            with transaction() as session:
                done = scan_retention.purge_batch(session, before=before, limit=batch)
            total += done
            if done < batch:
                break
    finally:
        if total:
            _audit(before, keep_months, total)
    click.echo(f"Deleted {total} scans recorded before {day} (keeping {keep_months} months).")


def _audit(before: datetime, months: int, count: int) -> None:
    """Write the run's audit entry; if the database cannot take it, say what was deleted."""
    try:
        with transaction() as session:
            scan_retention.record_purge(session, actor=CLI_ACTOR, before=before, months=months, count=count)
    except SQLAlchemyError as e:
        reason = str(e).splitlines()[0]
        click.echo(f"Warning: {count} scans deleted; the audit entry was not written: {reason}", err=True)

"""``ocop reports purge``: delete shoppers' reports older than the privacy notice's period
(:data:`traceability.services.reports.KEPT_MONTHS` months), with their photos, in one
transaction. Run it daily (cron or a systemd timer); ``--dry-run`` only counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from traceability.services import reports

from .common import CLI_ACTOR, domain_errors, transaction

group = AppGroup("reports", help="Shoppers' reports of suspected fakes.")


@group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@domain_errors
def purge(dry_run: bool) -> None:
    """Delete reports (contact, note, photo: all of it) sent more than the notice's period ago.

    The rows are deleted and the photos removed before the one commit: if a photo cannot be
    removed nothing is committed, and the next run deletes them all again."""
    folder = Path(current_app.config["OCOP_UPLOAD_DIR"])
    with transaction() as session:
        done = reports.purge(session, actor=CLI_ACTOR, now=datetime.now(UTC))
        if dry_run:
            session.rollback()
            before, photos = f"{done.cutoff:%Y-%m-%d}", len(done.photos)
            click.echo(f"Would delete {done.count} reports sent before {before} ({photos} photos).")
            return
        for name in done.photos:
            _remove(folder, name)
    click.echo(
        f"Deleted {done.count} reports sent before {done.cutoff:%Y-%m-%d} and {len(done.photos)} photos."
    )


def _remove(folder: Path, name: str) -> None:
    """Remove one stored photo; a name that is not a plain file in the folder is refused."""
    path = folder / name
    if path.parent != folder or name in ("", ".", ".."):
        raise click.ClickException(f"refusing to remove {name!r}: not a file name in {folder}")
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        raise click.ClickException(f"could not remove photo {name}: {e.strerror}") from e

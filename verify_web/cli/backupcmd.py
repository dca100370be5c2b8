"""``ocop backup`` and ``ocop restore``: the registry database to an owner-only file and back,
while the service runs (see :mod:`traceability.backup`)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from traceability import backup as backups
from verify_web.core import db

from .common import domain_errors, engine_url


@click.command("backup")
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@domain_errors
def backup_cmd(out: Path) -> None:
    """Back the database up to the new file OUT (mode 600; never overwritten). Safe while the
    site serves: the backup holds every row committed before it started."""
    size = backups.backup(db.engine(), out)
    click.echo(f"Backed up {engine_url()} to {out} ({size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already has tables.")
@domain_errors
def restore_cmd(source: Path, replace: bool) -> None:
    """Load the backup SOURCE into the database (stop the site first). Refuses a database that
    has tables unless --replace is given."""
    version = backups.restore(db.engine(), source, replace=replace)
    click.echo(
        f"Restored {source} into {engine_url()}; the revocation list is now at version {version:,}, "
        "above every version served before, so offline clients take it as newer."
    )

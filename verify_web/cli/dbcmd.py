"""``ocop db``: migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from traceability.db import current_revision, upgrade
from verify_web.core import db

from .common import engine_url

group = AppGroup("db", help="Database migrations.")


@group.command("upgrade")
def upgrade_command() -> None:
    """Migrate the database to the newest schema."""
    upgrade(db.engine())
    click.echo(f"Database {engine_url()} is at revision {current_revision(db.engine())}.")


@group.command("current")
def current_command() -> None:
    """Show the database's schema revision."""
    click.echo(current_revision(db.engine()) or "not migrated (run: ocop db upgrade)")

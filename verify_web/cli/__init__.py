"""The ``ocop`` command. Each group lives in its own module; :func:`register` adds them to the app."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from keys import KeysError
from labels import LabelError
from traceability import RegistryError


def register(app: Flask) -> None:
    from . import (
        backupcmd,
        dbcmd,
        demo,
        importcmd,
        issuecmd,
        keyscmd,
        registrycmd,
        revokecmd,
        usercmd,
        verifycmd,
    )

    app.cli.add_command(dbcmd.group)
    app.cli.add_command(keyscmd.group)
    app.cli.add_command(registrycmd.registry)
    registrycmd.registry.add_command(importcmd.import_file)
    registrycmd.registry.add_command(importcmd.import_template)
    app.cli.add_command(verifycmd.verify)
    app.cli.add_command(demo.demo)
    app.cli.add_command(usercmd.group)
    app.cli.add_command(revokecmd.revoke)
    app.cli.add_command(revokecmd.reinstate)
    app.cli.add_command(issuecmd.issue_cmd)
    app.cli.add_command(issuecmd.reprint_cmd)
    app.cli.add_command(backupcmd.backup_cmd)
    app.cli.add_command(backupcmd.restore_cmd)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ocop``. Returns the exit status; never shows a traceback for our errors."""
    from verify_web.core.config import ConfigError

    from .. import create_app

    try:
        app = create_app({"OCOP_CLI": True})
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        return 2
    info = ScriptInfo(create_app=lambda: app)
    try:
        result = app.cli.main(
            args=list(argv) if argv is not None else None, prog_name="ocop", obj=info, standalone_mode=False
        )
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except (KeysError, LabelError, RegistryError) as e:
        click.echo(f"Error: {e}", err=True)
        return 1
    except SQLAlchemyError as e:
        origin = getattr(e, "orig", None) or e
        detail = (str(origin).strip().splitlines() or [type(e).__name__])[0]
        click.echo(f"Error: database: {detail}", err=True)
        return 1
    except Exception as e:
        # A bug of ours; operators can re-run with OCOP_DEBUG=1 to see where it came from.
        if os.environ.get("OCOP_DEBUG"):
            raise
        click.echo(f"Error: unexpected {type(e).__name__}: {e} (set OCOP_DEBUG=1 for details)", err=True)
        return 1
    return result if isinstance(result, int) else 0

"""``ocop``: the command's entry point. Builds the app (whose factory registers the groups of
:mod:`verify_web.cli`) and runs the command line, turning our errors into one-line messages."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click
from flask.cli import ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from keys import KeysError
from labels import LabelError
from traceability import RegistryError
from usecases.exc import UseCaseError
from verify_web import create_app
from verify_web.errors import ConfigError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ocop``. Returns the exit status; never shows a traceback for our errors."""
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
    except (KeysError, LabelError, RegistryError, UseCaseError) as e:
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

"""``ocop registry import FILE`` and ``ocop registry import-template FILE``: the province's
spreadsheet of producers, products and certifications, checked row by row, then imported in
one transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from traceability import spreadsheet
from traceability.services import bulk_import
from verify_web.staff.import_text import outcome_text

from .common import CLI_ACTOR, domain_errors, transaction


@click.command("import-template")
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@domain_errors
def import_template(out: Path) -> None:
    """Write an empty import template (OUT ending in .xlsx or .csv; Vietnamese headers)."""
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        raise click.BadParameter("the file name must end in .xlsx or .csv", param_hint="OUT")
    if out.exists():
        raise click.ClickException(f"{out} exists; choose another name")
    out.write_bytes(spreadsheet.template(kind))
    click.echo(f"Wrote the template {out}.")


@click.command("import")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="Import if every row is correct (default: dry run only).")
@domain_errors
def import_file(source: Path, commit: bool) -> None:
    """Check every row of SOURCE (.xlsx or .csv) and print its outcome in Vietnamese; with
    --commit, import all rows in one transaction, or nothing if any row has an error."""
    rows = spreadsheet.read(source.read_bytes(), source.name)
    with transaction() as session:
        plan = bulk_import.plan_import(session, rows)
        with force_locale("vi"):
            for outcome in plan.rows:
                click.echo(outcome_text(outcome))
        click.echo(
            f"{len(plan.rows)} rows: {plan.errors} with errors; would add {plan.producers} producers, "
            f"{plan.products} products, {plan.certifications} certifications."
        )
        if not commit:
            click.echo("Dry run: nothing was written (add --commit to import).")
            return
        bulk_import.commit_import(session, plan, actor=CLI_ACTOR, source=source.name)
    click.echo(f"Imported {len(plan.rows)} rows from {source.name}.")

"""``ocop issue`` and ``ocop reprint``: labels for a lot, written to PDF, SVG, PNG or CSV.

Files are written without a name (or under a hidden temporary one) and get their target name
only after the database transaction committed (:func:`labels.runfiles.staged`). A failure or
Ctrl-C before the commit leaves nothing recorded and no file; a kill at any moment leaves no
file, or a file whose every label is recorded. ``tests/verify_web/cli/test_issue_kill.py`` kills
the command at each stage (:func:`.common.fault_point`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from labels import LabelSerializer
from labels.exc import LayoutError
from labels.layout import Design, Stock, design, parse_stock
from labels.output import Format, format_for
from labels.render import PrintLabel
from labels.runfiles import parse_numbers, staged
from usecases.issuance import plan_issue
from usecases.print_runs import Output, Run, Watch, issue_run, reprint_run
from usecases.reprinting import plan_reprint
from verify_web.core import clock

from .common import CLI_ACTOR, ID, domain_errors, fault_point, keystore, passphrase, transaction


def _target(path: Path, what: str) -> Path:
    """Return ``path`` if a new file can be written there; else a clear usage error."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.exists():
        raise click.BadParameter(
            f"{path} already exists; choose another name or remove it first", param_hint=what
        )
    if not parent.is_dir():
        raise click.BadParameter(f"cannot write {path}: folder {parent} does not exist", param_hint=what)
    if not os.access(parent, os.W_OK):
        raise click.BadParameter(f"cannot write {path}: folder {parent} is not writable", param_hint=what)
    return path


def _stock(value: str) -> Stock:
    try:
        return parse_stock(value)
    except LayoutError as e:
        raise click.BadParameter(str(e), param_hint="--stock") from e


def _format(path: Path, what: str) -> Format:
    try:
        return format_for(path.name)
    except LayoutError as e:
        raise click.BadParameter(str(e), param_hint=what) from e


def _progress(count: int, quiet: bool, verb: str) -> Watch:
    """Return a label stream wrapper showing a bar with rate and time left on stderr, or one
    that shows nothing if ``quiet``."""

    def watch(labels: Iterable[PrintLabel]) -> Iterator[PrintLabel]:
        if quiet:
            yield from labels
            return
        start = time.monotonic()
        done = 0

        def rate(_: object) -> str:
            elapsed = time.monotonic() - start
            return f"{done / elapsed:,.0f} labels/s" if elapsed > 0 else ""

        with click.progressbar(
            length=count, label=verb, file=sys.stderr, show_eta=True, show_pos=True, item_show_func=rate
        ) as bar:
            for label in labels:
                yield label
                done += 1
                if done % 100 == 0 or done == count:
                    bar.update(100 if done % 100 == 0 else done % 100, done)

    return watch


def _serializer() -> LabelSerializer:
    return LabelSerializer(current_app.config["OCOP_BASE_URL"], keystore().keyring())


def _run(
    label_design: Design,
    outputs: list[Output],
    targets: list[Path],
    serializer: LabelSerializer,
    watch: Watch,
) -> Run:
    """How the command writes a run: into ``targets``, named only after the commit, with the
    test-only kill switch at every stage (:func:`.common.fault_point`)."""
    return Run(
        label_design,
        outputs,
        lambda commit: staged(targets, commit=commit),
        serializer,
        CLI_ACTOR,
        watch=watch,
        checkpoint=fault_point,
    )


@click.command("issue")
@click.option("--product", "product_id", type=ID, required=True, help="Product id (see `ocop registry`).")
@click.option("--lot", "lot_code", required=True, help="The product's lot code.")
@click.option("--count", type=int, required=True, help="How many new labels (1–100,000).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.pdf (sheets), FILE.svg.zip / FILE.png.zip (one file per label) or FILE.csv.",
)
@click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Also write this CSV manifest."
)
@click.option(
    "--stock",
    "stock_name",
    default="a4-40",
    show_default=True,
    help="a4-40 (48.5 × 25.4 mm), roll-30x20, or custom:WIDTHxHEIGHT in mm.",
)
@click.option(
    "--dpi", type=click.Choice(["300", "600"]), default="300", show_default=True, help="PNG resolution."
)
@click.option(
    "--with-secret", is_flag=True, help="Add a scratch-off code per label (only its hash is stored)."
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
@domain_errors
def issue_cmd(
    product_id: int,
    lot_code: str,
    count: int,
    out: Path,
    manifest: Path | None,
    stock_name: str,
    dpi: str,
    with_secret: bool,
    quiet: bool,
) -> None:
    """Issue COUNT new labels for a lot of a certified product and write them to FILE."""
    outputs = [Output(_format(out, "--out"), int(dpi), with_secret)]
    targets = [_target(out, "--out")]
    if manifest is not None:
        if _format(manifest, "--manifest") is not Format.CSV:
            raise click.BadParameter("the manifest must be a .csv file", param_hint="--manifest")
        if manifest.resolve() == out.resolve():
            raise click.BadParameter(
                "the manifest must be a different file from --out", param_hint="--manifest"
            )
        targets.append(_target(manifest, "--manifest"))
        outputs.append(Output(Format.CSV, with_secret=with_secret))
    stock = _stock(stock_name)
    if not 1 <= count <= 100_000:
        raise click.BadParameter("must be from 1 to 100,000", param_hint="--count")
    signer = keystore().signer(passphrase())
    serializer = _serializer()
    with transaction() as session:
        plan = plan_issue(
            session,
            product_id=product_id,
            lot_code=lot_code,
            count=count,
            today=clock.today(),
            base_url=serializer.base_url,
        )
        for warning in plan.warnings:
            click.echo(f"Warning: {warning}", err=True)
        run = _run(
            design(stock, plan.facts), outputs, targets, serializer, _progress(count, quiet, "Issuing")
        )
        issue_run(
            session, plan, run, key=signer, digest_key=keystore().ensure_digest_key(), with_secret=with_secret
        )
    last = plan.first_number + count - 1
    click.echo(f"Issued {count} labels for lot {plan.lot_code} (numbers {plan.first_number}–{last}) → {out}")
    if manifest is not None:
        click.echo(f"Manifest → {manifest}")


def _parse_range(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        return parse_numbers(value)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--serials") from e


@click.command("reprint")
@click.option("--lot", "lot_code", required=True, help="The lot code.")
@click.option("--product", "product_id", type=ID, help="Product id, when several products use the lot code.")
@click.option(
    "--serials", "numbers", help="Label numbers A..B within the lot (as printed after 'Số tem'); default all."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.pdf, FILE.svg.zip, FILE.png.zip or FILE.csv.",
)
@click.option("--stock", "stock_name", default="a4-40", show_default=True, help="As for `ocop issue`.")
@click.option(
    "--dpi", type=click.Choice(["300", "600"]), default="300", show_default=True, help="PNG resolution."
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
@domain_errors
def reprint_cmd(
    lot_code: str,
    product_id: int | None,
    numbers: str | None,
    out: Path,
    stock_name: str,
    dpi: str,
    quiet: bool,
) -> None:
    """Render already issued labels again (a damaged print run). No new serials; revoked labels
    are left out; scratch-off codes cannot be reprinted (only their hashes are kept)."""
    outputs = [Output(_format(out, "--out"), int(dpi))]
    targets = [_target(out, "--out")]
    span = _parse_range(numbers)
    stock = _stock(stock_name)
    serializer = _serializer()
    with transaction() as session:
        plan = plan_reprint(
            session, lot_code=lot_code, product_id=product_id, numbers=span, base_url=serializer.base_url
        )
        if plan.skipped_revoked:
            click.echo(f"Warning: left out {plan.skipped_revoked} revoked labels", err=True)
        run = _run(
            design(stock, plan.facts), outputs, targets, serializer, _progress(plan.count, quiet, "Rendering")
        )
        reprint_run(session, plan, run, signer_for=lambda kid: keystore().signer(passphrase(), kid))
    click.echo(f"Reprinted {plan.count} labels of lot {plan.lot_code} → {out}")

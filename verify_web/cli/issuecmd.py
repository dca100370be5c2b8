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
from labels.layout import Stock, design, parse_stock
from labels.output import Format, format_for, open_writer
from labels.render import PrintLabel
from labels.runfiles import parse_numbers, staged, write_all
from usecases.issuance import BATCH, issue, plan_issue, plan_reprint, reprint
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


def _progress(labels: Iterable[PrintLabel], count: int, quiet: bool, verb: str) -> Iterator[PrintLabel]:
    """Pass labels through, showing a bar with rate and time left on stderr unless ``quiet``."""
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


def _with_fault_point(labels: Iterable[PrintLabel]) -> Iterator[PrintLabel]:
    """Pass labels through, with the ``writing`` fault point after the first batch was
    recorded and half written (see :func:`.common.fault_point`)."""
    for done, label in enumerate(labels, 1):
        if done == BATCH + 1:
            fault_point("writing")
        yield label


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
    fmt = _format(out, "--out")
    targets = [_target(out, "--out")]
    if manifest is not None:
        if _format(manifest, "--manifest") is not Format.CSV:
            raise click.BadParameter("the manifest must be a .csv file", param_hint="--manifest")
        if manifest.resolve() == out.resolve():
            raise click.BadParameter(
                "the manifest must be a different file from --out", param_hint="--manifest"
            )
        targets.append(_target(manifest, "--manifest"))
    stock = _stock(stock_name)
    if not 1 <= count <= 100_000:
        raise click.BadParameter("must be from 1 to 100,000", param_hint="--count")
    signer = keystore().signer(passphrase())
    serializer = LabelSerializer(current_app.config["OCOP_BASE_URL"], keystore().keyring())
    with transaction() as session:
        plan = plan_issue(
            session,
            product_id=product_id,
            lot_code=lot_code,
            count=count,
            today=clock.today(),
            base_url=serializer.base_url,
        )
        label_design = design(stock, plan.facts)
        for warning in plan.warnings:
            click.echo(f"Warning: {warning}", err=True)

        def commit() -> None:
            fault_point("rendered")
            session.commit()  # the labels are recorded before their file gets its name
            fault_point("committed")

        with staged(targets, commit=commit) as files:
            writers = [open_writer(files[0], fmt, label_design, dpi=int(dpi), with_secret=with_secret)]
            if manifest is not None:
                writers.append(open_writer(files[1], Format.CSV, label_design, with_secret=with_secret))
            labels = issue(
                session,
                plan,
                key=signer,
                serializer=serializer,
                actor=CLI_ACTOR,
                with_secret=with_secret,
                digest_key=keystore().ensure_digest_key(),
            )
            write_all(_progress(_with_fault_point(labels), count, quiet, "Issuing"), writers)
        fault_point("published")
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
    fmt = _format(out, "--out")
    target = _target(out, "--out")
    span = _parse_range(numbers)
    stock = _stock(stock_name)
    serializer = LabelSerializer(current_app.config["OCOP_BASE_URL"], keystore().keyring())
    with transaction() as session:
        plan = plan_reprint(
            session, lot_code=lot_code, product_id=product_id, numbers=span, base_url=serializer.base_url
        )
        if plan.skipped_revoked:
            click.echo(f"Warning: left out {plan.skipped_revoked} revoked labels", err=True)
        label_design = design(stock, plan.facts)
        labels = reprint(
            session,
            plan,
            signer_for=lambda kid: keystore().signer(passphrase(), kid),
            serializer=serializer,
            actor=CLI_ACTOR,
        )
        with staged([target], commit=session.commit) as files:
            write_all(
                _progress(labels, plan.count, quiet, "Rendering"),
                [open_writer(files[0], fmt, label_design, dpi=int(dpi))],
            )
    click.echo(f"Reprinted {plan.count} labels of lot {plan.lot_code} → {out}")

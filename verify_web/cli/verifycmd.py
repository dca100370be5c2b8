"""``ocop verify``: the same verification the site does, from a terminal."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from usecases.verify import Status, Verdict, verify_scan
from verify_web.core import clock, db

from .common import keystore


def verdict_summary(verdict: Verdict, our_base_url: str) -> dict[str, object]:
    """A plain-data view of a verdict for printing. The serial is a decimal string
    (docs/label-code.md §1); a code under another address says which one is genuine."""
    out: dict[str, object] = {"status": verdict.status.value, "reason": verdict.reason}
    if verdict.foreign_domain:
        out.update(
            foreign_domain=True,
            scanned_base_url=verdict.scanned_base_url,
            genuine_address=our_base_url.lower(),
        )
    if verdict.payload:
        out.update(
            serial=str(verdict.payload.serial),
            short_code=verdict.payload.short_code,
            stars=verdict.payload.stars,
            certified_until=verdict.payload.certified_until.isoformat(),
            kid=verdict.payload.kid,
        )
    if verdict.facts:
        out.update(
            product=verdict.facts.product_name,
            producer=verdict.facts.producer_name,
            province=verdict.facts.province,
            lot=verdict.facts.lot_code,
        )
    out["warnings"] = [w.value for w in verdict.warnings]
    return out


@click.command("verify")
@with_appcontext
@click.argument("text")
@click.option("--offline", is_flag=True, help="Use only the code and the public keys, not the registry.")
def verify(text: str, offline: bool) -> None:
    """Verify scanned QR TEXT. Exit status 0 only for a genuine label at our own address."""
    session = None if offline else db.session()
    ours = current_app.config["OCOP_BASE_URL"]
    verdict = verify_scan(
        text,
        keyring=keystore().keyring(),
        today=clock.today(),
        session=session,
        our_base_url=ours,
    )
    click.echo(json.dumps(verdict_summary(verdict, ours), ensure_ascii=False, indent=2))
    if verdict.status is not Status.GENUINE or verdict.foreign_domain:
        raise click.exceptions.Exit(1)

"""``ocop revoke`` and ``ocop reinstate``: the same revocations as the admin pages."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from traceability.enums import RevocationReason
from traceability.services import revocations
from verify_web.core import db
from verify_web.staff.label_targets import parse_target

from .common import CLI_ACTOR, ID, domain_errors, keystore, transaction

REASONS = [r.value for r in RevocationReason]


@click.command("revoke")
@with_appcontext
@click.option("--serial", default=None, help="A label's serial (decimal) or short code.")
@click.option("--code", default=None, help="A label's full QR text.")
@click.option("--lot", "lot_id", default=None, help="A lot id: every label in it.")
@click.option("--range", "number_range", default=None, help="LOT:FIRST-LAST label numbers in one lot.")
@click.option("--product", "product_id", default=None, help="A product id.")
@click.option("--producer", "producer_id", default=None, help="A producer id.")
@click.option("--reason", required=True, type=click.Choice(REASONS))
@click.option("--note", default=None)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@domain_errors
def revoke(
    serial: str | None,
    code: str | None,
    lot_id: str | None,
    number_range: str | None,
    product_id: str | None,
    producer_id: str | None,
    reason: str,
    note: str | None,
    yes: bool,
) -> None:
    """Revoke labels. Shows how many labels are hit and asks before changing anything."""
    given = {
        "label": serial or code,
        "range": number_range,
        "lot": lot_id,
        "product": product_id,
        "producer": producer_id,
    }
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --serial, --code, --lot, --range, --product, --producer")
    if serial is not None and code is not None:
        raise click.UsageError("give --serial or --code, not both")
    kind, value = chosen[0]
    target, ref = parse_target(kind, value, keystore().keyring())
    with transaction() as session:
        count = revocations.count_affected(session, target, ref)
    click.echo(f"This revokes {count} label(s).")
    # Asked outside any transaction: no locks are held while the operator reads the question.
    if not yes and not click.confirm("Revoke them?", default=False):
        raise click.Abort()
    revocation = db.write(
        lambda session: revocations.revoke(
            session, actor=CLI_ACTOR, target=target, ref=ref, reason=reason, note=note
        )
    )
    click.echo(f"Revocation {revocation.id}: {revocation.label_count} label(s) revoked.")


@click.command("reinstate")
@with_appcontext
@click.argument("revocation_id", type=ID)
@click.option("--note", required=True, help="Why the revocation was a mistake.")
@domain_errors
def reinstate(revocation_id: int, note: str) -> None:
    """Undo a mistaken revocation (never a compromised key)."""
    revocation = db.write(
        lambda session: revocations.reinstate(
            session, actor=CLI_ACTOR, revocation_id=revocation_id, note=note
        )
    )
    click.echo(f"Revocation {revocation.id} reinstated.")

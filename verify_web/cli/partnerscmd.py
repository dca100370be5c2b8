"""``ocop partners add|list|revoke``: partners' EPCIS capture tokens, as on /admin/partners."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from traceability.services import partners
from verify_web.cli.common import CLI_ACTOR, ID, domain_errors, transaction
from verify_web.core.timefmt import local_text


@click.group("partners")
def group() -> None:
    """Partners that capture EPCIS events for one producer's lots."""


@group.command("add")
@with_appcontext
@click.option("--name", required=True, help="The partner's name (a packer, a distributor).")
@click.option(
    "--producer", "producer_id", required=True, type=ID, help="The producer whose lots it may add to."
)
@domain_errors
def add(name: str, producer_id: int) -> None:
    """Add a partner and print its token: shown this once, never stored."""
    with transaction() as session:
        partner, token = partners.add_partner(session, actor=CLI_ACTOR, name=name, producer_id=producer_id)
        partner_id = partner.id
    click.echo(f"Partner {partner_id} added. Its token (shown once; keep it secret):")
    click.echo(token)


@group.command("list")
@with_appcontext
@domain_errors
def list_() -> None:
    """List partners: id, name, producer, token start, added, revoked."""
    with transaction() as session:
        for p in partners.list_partners(session):
            revoked = f"revoked {local_text(p.revoked_at)}" if p.revoked_at else "active"
            added = local_text(p.created_at)
            click.echo(f"{p.id}\t{p.name}\tproducer {p.producer_id}\t{p.token_hint}…\t{added}\t{revoked}")


@group.command("revoke")
@with_appcontext
@click.argument("partner_id", type=ID)
@domain_errors
def revoke(partner_id: int) -> None:
    """End a partner's token."""
    with transaction() as session:
        partner = partners.revoke_partner(session, actor=CLI_ACTOR, partner_id=partner_id)
        click.echo(f"Revoked the token of partner {partner.id} ({partner.name}).")

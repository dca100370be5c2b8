"""``ocop producer|product|certify|lot``: register what labels are issued for."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from traceability.enums import IssuingLevel, ProducerKind, ProductGroup
from traceability.services import certifications, lots, producers

from .common import CLI_ACTOR, ID, domain_errors, parse_date, transaction

registry = AppGroup("registry", help="Producers, products, certifications and lots.")


def _choice(enum: type[ProducerKind] | type[ProductGroup] | type[IssuingLevel]) -> click.Choice[str]:
    return click.Choice([m.value for m in enum])


@registry.command("add-producer")
@click.option("--name", required=True, help="Legal name, e.g. 'HTX Dịch vụ tổng hợp Đông Cao'.")
@click.option("--kind", required=True, type=_choice(ProducerKind))
@click.option("--commune", required=True)
@click.option("--district", default=None, help="Omit for addresses after the 2025 reform.")
@click.option("--province", required=True)
@click.option("--contact", default=None)
@click.option("--tax-code", default=None)
@domain_errors
def add_producer(
    name: str,
    kind: str,
    commune: str,
    district: str | None,
    province: str,
    contact: str | None,
    tax_code: str | None,
) -> None:
    """Register a producer (chủ thể OCOP)."""
    with transaction() as session:
        producer = producers.create_producer(
            session,
            actor=CLI_ACTOR,
            legal_name=name,
            kind=kind,
            commune=commune,
            district=district,
            province=province,
            contact=contact,
            tax_code=tax_code,
        )
        click.echo(f"Producer {producer.id}: {producer.legal_name}")


@registry.command("add-product")
@click.option("--producer", "producer_id", required=True, type=ID)
@click.option("--name", required=True)
@click.option("--group", required=True, type=_choice(ProductGroup))
@click.option("--gtin", default=None, help="GTIN-8/12/13/14 with a valid check digit.")
@domain_errors
def add_product(producer_id: int, name: str, group: str, gtin: str | None) -> None:
    """Register a product of a producer."""
    with transaction() as session:
        product = producers.create_product(
            session, actor=CLI_ACTOR, producer_id=producer_id, name=name, group=group, gtin=gtin
        )
        click.echo(f"Product {product.id}: {product.name}")


@registry.command("certify")
@click.option("--product", "product_id", required=True, type=ID)
@click.option("--stars", required=True, type=click.IntRange(3, 5))
@click.option("--number", required=True, help="Decision or certificate number.")
@click.option("--issued-on", required=True, callback=parse_date, help="YYYY-MM-DD")
@click.option("--valid-until", default=None, callback=parse_date, help="Default: issued on + 36 months.")
@domain_errors
def certify(product_id: int, stars: int, number: str, issued_on: date, valid_until: date | None) -> None:
    """Record an OCOP rating (or re-rating) for a product."""
    with transaction() as session:
        cert = certifications.certify(
            session,
            actor=CLI_ACTOR,
            product_id=product_id,
            stars=stars,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
        )
        click.echo(f"Certification {cert.id}: {cert.stars}★ valid until {cert.valid_until.isoformat()}")


@registry.command("add-lot")
@click.option("--product", "product_id", required=True, type=ID)
@click.option("--code", required=True)
@click.option("--produced-on", required=True, callback=parse_date, help="YYYY-MM-DD")
@click.option("--best-before", default=None, callback=parse_date, help="The product's own expiry.")
@domain_errors
def add_lot(product_id: int, code: str, produced_on: date, best_before: date | None) -> None:
    """Register a production lot."""
    with transaction() as session:
        lot = lots.create_lot(
            session,
            actor=CLI_ACTOR,
            product_id=product_id,
            code=code,
            produced_on=produced_on,
            best_before=best_before,
        )
        click.echo(f"Lot {lot.id}: {lot.code}")

"""Registry objects for tests, made through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelPayload, LabelSerializer
from traceability.models import Certification, Label, Lot, Product
from traceability.services import certifications, labels, lots, producers

ACTOR = "test"
_counter = itertools.count(1)


@dataclass
class World:
    product: Product
    certification: Certification
    lot: Lot


def make_world(
    session: Session,
    *,
    stars: int = 4,
    issued_on: date | None = None,
    province: str = "Hà Nội",
    name: str = "Củ cải trắng",
) -> World:
    """A producer with one certified product and one lot."""
    n = next(_counter)
    issued = issued_on or date.today() - timedelta(days=100)
    producer = producers.create_producer(
        session,
        actor=ACTOR,
        legal_name=f"HTX Dịch vụ tổng hợp Đông Cao {n}",
        kind="cooperative",
        commune="xã Tráng Việt",
        district="huyện Mê Linh",
        province=province,
    )
    product = producers.create_product(session, actor=ACTOR, producer_id=producer.id, name=name, group="food")
    cert = certifications.certify(
        session, actor=ACTOR, product_id=product.id, stars=stars, number=f"QĐ {n}/QĐ-UBND", issued_on=issued
    )
    lot = lots.create_lot(
        session,
        actor=ACTOR,
        product_id=product.id,
        code=f"LOT-{n}",
        produced_on=issued + timedelta(days=1),
        best_before=issued + timedelta(days=2000),
    )
    return World(product, cert, lot)


def issue(session: Session, world: World, key: PrivateKey, count: int = 3) -> list[Label]:
    """Record ``count`` labels in the world's lot, signed by ``key``."""
    first = labels.next_number(session, world.lot.id)
    labels.record_labels(
        session,
        actor=ACTOR,
        lot=world.lot,
        certification=world.certification,
        key_id=key.kid,
        serials=labels.new_serials(count),
        first_number=first,
    )
    session.flush()
    return list(
        session.scalars(
            select(Label).where(Label.lot_id == world.lot.id, Label.number >= first).order_by(Label.number)
        )
    )


def url_for_label(label: Label, key: PrivateKey, serializer: LabelSerializer) -> str:
    payload = LabelPayload(
        kid=key.kid,
        serial=label.serial,
        stars=label.certification.stars,
        certified_until=label.certification.valid_until,
    )
    return serializer.dumps(payload, key)

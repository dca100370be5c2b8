"""Registry objects for tests, made through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import Keyring, PrivateKey
from labels import LabelPayload, LabelSerializer
from tests.support.constants import BASE_URL
from traceability.models import Certification, Label, Lot, Product
from traceability.services import certifications, lots, producers
from usecases import issuance

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
    """Issue ``count`` labels in the world's lot, signed by ``key``, through the production use
    case (:func:`usecases.issuance.issue`), planned on the day the certificate starts (so a test
    can hold labels of a certificate that has ended since)."""
    plan = issuance.plan_issue(
        session,
        product_id=world.product.id,
        lot_code=world.lot.code,
        count=count,
        today=world.certification.issued_on,
        base_url=BASE_URL,
    )
    serializer = LabelSerializer(BASE_URL, Keyring())
    for _drawn in issuance.issue(session, plan, key=key, serializer=serializer, actor=ACTOR):
        pass
    session.flush()
    return list(
        session.scalars(
            select(Label)
            .where(Label.lot_id == world.lot.id, Label.number >= plan.first_number)
            .order_by(Label.number)
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

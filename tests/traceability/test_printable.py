"""traceability.services.printable: what the print form offers, with the rating in force."""

from __future__ import annotations

from datetime import timedelta

from tests.support.factories import make_world
from traceability.services.printable import printable_products


def test_products_with_their_rating_in_force_and_lots(session):
    rated = make_world(session, stars=4, name="Miến dong")
    today = rated.certification.issued_on + timedelta(days=1)
    low = make_world(session, name="Chè búp", issued_on=today + timedelta(days=30))  # rated later
    offered = {p.id: p for p in printable_products(session, today=today)}
    assert offered[rated.product.id].stars == 4 and offered[rated.product.id].lot_codes == (rated.lot.code,)
    assert offered[rated.product.id].certified_until == rated.certification.valid_until
    certified = {p.id for p in printable_products(session, today=today, certified_only=True)}
    assert rated.product.id in certified and low.product.id not in certified
    before = printable_products(session, today=rated.certification.issued_on - timedelta(days=1))
    assert next(p for p in before if p.id == rated.product.id).stars is None  # not yet in force


def test_scoped_to_one_producer(session):
    mine = make_world(session, name="Củ cải")
    make_world(session, name="Rượu mơ")
    today = mine.certification.issued_on
    scoped = printable_products(session, today=today, producer_id=mine.product.producer_id)
    assert [p.id for p in scoped] == [mine.product.id]

"""traceability.services.corrections: corrected details are audited old → new, with the same
checks as registering."""

from __future__ import annotations

import pytest

from tests.support.factories import make_world
from traceability import Conflict, ValidationError
from traceability.models import AuditEntry
from traceability.services import producers
from traceability.services.corrections import update_producer, update_product


def _details(producer, **changes):
    fields = {"legal_name": producer.legal_name, "kind": producer.kind, "commune": producer.commune,
              "province": producer.province, "district": producer.district, "contact": producer.contact,
              "tax_code": producer.tax_code}
    return fields | changes


def test_changes_are_returned_and_audited(session):
    world = make_world(session)
    producer = world.product.producer
    new = _details(producer, contact="0912 345 678")
    changed = update_producer(session, actor="t", producer_id=producer.id, **new)
    assert changed == {"contact": {"from": None, "to": "0912 345 678"}}
    entry = session.query(AuditEntry).filter_by(action="producer.update", entity_id=str(producer.id)).one()
    assert entry.detail == changed
    assert update_producer(session, actor="t", producer_id=producer.id, **_details(producer)) == {}


def test_same_checks_as_registering(session):
    world = make_world(session)
    other = make_world(session, name="Rượu mơ")
    producers.product_fields(session, name="x", group="food", gtin=None)  # the shared check itself
    with pytest.raises(ValidationError) as bad:
        update_producer(session, actor="t", producer_id=world.product.producer_id,
                        **_details(world.product.producer, legal_name=" "))
    assert bad.value.field == "legal_name"
    update_product(session, actor="t", product_id=world.product.id, name="Củ cải", group="food",
                   gtin="8934567890120")
    with pytest.raises(Conflict):
        update_product(session, actor="t", product_id=other.product.id, name="Rượu mơ", group="food",
                       gtin="8934567890120")

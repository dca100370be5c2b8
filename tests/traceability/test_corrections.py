"""traceability.services.corrections: corrected details are audited old → new, with the same
checks as registering."""

from __future__ import annotations

import pytest

from tests.support.factories import make_world
from traceability import Conflict, NotFound, ValidationError
from traceability.enums import LabelForm, ProducerKind
from traceability.models import AuditEntry
from traceability.services import producers
from traceability.services.corrections import choose_label_form, update_producer, update_product


def _details(producer, **changes):
    fields = {
        "legal_name": producer.legal_name,
        "kind": producer.kind,
        "commune": producer.commune,
        "province": producer.province,
        "district": producer.district,
        "contact": producer.contact,
        "tax_code": producer.tax_code,
    }
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
    producers.product_fields(
        session, name="x", group="food", gtin=None, label_form="ocop"
    )  # the shared check itself
    with pytest.raises(ValidationError) as bad:
        update_producer(
            session,
            actor="t",
            producer_id=world.product.producer_id,
            **_details(world.product.producer, legal_name=" "),
        )
    assert bad.value.field == "legal_name"
    update_product(
        session, actor="t", product_id=world.product.id, name="Củ cải", group="food", gtin="8934567890120"
    )
    with pytest.raises(Conflict):
        update_product(
            session,
            actor="t",
            product_id=other.product.id,
            name="Rượu mơ",
            group="food",
            gtin="8934567890120",
        )


def _entries(session, entity, entity_id):
    return session.query(AuditEntry).filter_by(action=f"{entity}.update", entity_id=str(entity_id)).all()


def test_producer_every_field_old_to_new_with_enum_values(session):
    producer = make_world(session).product.producer
    old_name = producer.legal_name
    new = _details(
        producer,
        legal_name="  HTX Nông sản Mê Linh ",
        kind="enterprise",
        district=None,
        contact="hợp tác xã",
        tax_code="0101234567",
    )
    changed = update_producer(session, actor="admin", producer_id=producer.id, **new)
    assert changed == {
        "legal_name": {"from": old_name, "to": "HTX Nông sản Mê Linh"},
        "kind": {"from": "cooperative", "to": "enterprise"},
        "district": {"from": "huyện Mê Linh", "to": None},
        "contact": {"from": None, "to": "hợp tác xã"},
        "tax_code": {"from": None, "to": "0101234567"},
    }
    assert (producer.legal_name, producer.kind, producer.tax_code) == (
        "HTX Nông sản Mê Linh",
        ProducerKind.ENTERPRISE,
        "0101234567",
    )
    (entry,) = _entries(session, "producer", producer.id)
    assert entry.actor == "admin" and entry.entity == "producer"
    assert entry.summary == f"Updated producer {producer.id}: contact, district, kind, legal_name, tax_code"


def test_producer_refusals_change_nothing(session):
    first, second = make_world(session).product.producer, make_world(session).product.producer
    update_producer(session, actor="t", producer_id=first.id, **_details(first, tax_code="0101234567"))
    with pytest.raises(Conflict):
        update_producer(session, actor="t", producer_id=second.id, **_details(second, tax_code="0101234567"))
    with pytest.raises(ValidationError) as bad:
        update_producer(session, actor="t", producer_id=second.id, **_details(second, kind="bank"))
    assert bad.value.field == "kind"
    with pytest.raises(NotFound):
        update_producer(session, actor="t", producer_id=second.id + 1000, **_details(second))
    assert second.tax_code is None and second.kind == ProducerKind.COOPERATIVE
    assert _entries(session, "producer", second.id) == []
    # A producer keeps its own tax code: correcting another field is no conflict with itself.
    assert update_producer(session, actor="t", producer_id=first.id, **_details(first, contact="x")) == {
        "contact": {"from": None, "to": "x"}
    }


def test_product_name_group_and_gtin_are_audited(session):
    product = make_world(session).product
    changed = update_product(
        session,
        actor="admin",
        product_id=product.id,
        name="Củ cải muối",
        group="beverage",
        gtin="8934567890120",
    )
    assert changed == {
        "name": {"from": "Củ cải trắng", "to": "Củ cải muối"},
        "group": {"from": "food", "to": "beverage"},
        "gtin": {"from": None, "to": "08934567890120"},
    }
    assert product.label_form == LabelForm.OCOP  # not given: kept
    (entry,) = _entries(session, "product", product.id)
    assert entry.detail == changed and entry.summary == f"Updated product {product.id}: group, gtin, name"
    assert (
        update_product(
            session,
            actor="t",
            product_id=product.id,
            name="Củ cải muối",
            group="beverage",
            gtin="8934567890120",
        )
        == {}
    )
    assert len(_entries(session, "product", product.id)) == 1


def test_product_label_form_needs_a_gtin(session):
    product = make_world(session).product
    with pytest.raises(ValidationError):
        update_product(
            session, actor="t", product_id=product.id, name=product.name, group="food", label_form="gs1"
        )
    assert product.label_form == LabelForm.OCOP and _entries(session, "product", product.id) == []
    changed = update_product(
        session,
        actor="t",
        product_id=product.id,
        name=product.name,
        group="food",
        gtin="8934567890120",
        label_form="gs1",
    )
    assert changed["label_form"] == {"from": "ocop", "to": "gs1"}
    # Dropping the GTIN while the form stays GS1 is refused; the form must change with it.
    with pytest.raises(ValidationError):
        update_product(session, actor="t", product_id=product.id, name=product.name, group="food", gtin=None)
    back = update_product(
        session,
        actor="t",
        product_id=product.id,
        name=product.name,
        group="food",
        gtin=None,
        label_form="ocop",
    )
    assert back == {
        "gtin": {"from": "08934567890120", "to": None},
        "label_form": {"from": "gs1", "to": "ocop"},
    }


def test_product_gtin_conflict_bad_gtin_and_unknown_product(session):
    mine, other = make_world(session).product, make_world(session, name="Rượu mơ").product
    update_product(
        session, actor="t", product_id=other.id, name=other.name, group="food", gtin="8934567890120"
    )
    with pytest.raises(Conflict):
        update_product(
            session, actor="t", product_id=mine.id, name=mine.name, group="food", gtin="8934567890120"
        )
    with pytest.raises(ValidationError) as bad:
        update_product(
            session, actor="t", product_id=mine.id, name=mine.name, group="food", gtin="8934567890121"
        )
    assert bad.value.field == "gtin"
    with pytest.raises(NotFound):
        update_product(session, actor="t", product_id=mine.id + 1000, name="x", group="food")
    assert mine.gtin is None and _entries(session, "product", mine.id) == []


def test_choose_label_form_sets_the_form_and_a_first_gtin(session):
    product = make_world(session).product
    changed = choose_label_form(
        session, actor="dongcao", product_id=product.id, label_form="gs1", gtin="8934567890120"
    )
    assert changed == {
        "gtin": {"from": None, "to": "08934567890120"},
        "label_form": {"from": "ocop", "to": "gs1"},
    }
    assert (product.gtin, product.label_form, product.name) == (
        "08934567890120",
        LabelForm.GS1,
        "Củ cải trắng",
    )
    (entry,) = _entries(session, "product", product.id)
    assert entry.actor == "dongcao" and entry.detail == changed
    # The GTIN once set: left empty, or the same number written another way, it is kept.
    assert choose_label_form(session, actor="t", product_id=product.id, label_form="ocop", gtin="") == {
        "label_form": {"from": "gs1", "to": "ocop"}
    }
    assert (
        choose_label_form(session, actor="t", product_id=product.id, label_form="ocop", gtin="08934567890120")
        == {}
    )
    assert product.gtin == "08934567890120" and len(_entries(session, "product", product.id)) == 2


def test_choose_label_form_never_changes_a_gtin(session):
    product = make_world(session).product
    update_product(
        session, actor="office", product_id=product.id, name=product.name, group="food", gtin="8934567890120"
    )
    with pytest.raises(ValidationError) as refused:
        choose_label_form(session, actor="t", product_id=product.id, label_form="gs1", gtin="8938600000026")
    assert refused.value.field == "gtin" and "coordination office" in refused.value.message
    assert (product.gtin, product.label_form) == ("08934567890120", LabelForm.OCOP)
    assert len(_entries(session, "product", product.id)) == 1  # the office's correction only


def test_choose_label_form_refusals_change_nothing(session):
    mine, other = make_world(session).product, make_world(session, name="Rượu mơ").product
    update_product(
        session, actor="t", product_id=other.id, name=other.name, group="food", gtin="8934567890120"
    )
    cases = [
        ({"label_form": "gs1", "gtin": "8934567890121"}, ValidationError, "gtin"),  # check digit
        ({"label_form": "gs1", "gtin": None}, ValidationError, "label_form"),  # GS1 needs a GTIN
        ({"label_form": "qr", "gtin": None}, ValidationError, "label_form"),
        ({"label_form": "gs1", "gtin": "8934567890120"}, Conflict, None),  # the other product's
    ]
    for fields, error, field in cases:
        with pytest.raises(error) as refused:
            choose_label_form(session, actor="t", product_id=mine.id, **fields)
        assert getattr(refused.value, "field", None) == field, fields
    with pytest.raises(NotFound):
        choose_label_form(session, actor="t", product_id=mine.id + 1000, label_form="ocop", gtin=None)
    assert (mine.gtin, mine.label_form) == (None, LabelForm.OCOP) and _entries(
        session, "product", mine.id
    ) == []

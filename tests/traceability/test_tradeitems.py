"""traceability.services.tradeitems: a product found by its GTIN, with the lot and label a GS1
request names, their revocations, and the certification a till should show."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import World, issue, make_world
from traceability.enums import LabelForm, RevocationReason, RevocationTarget
from traceability.services import certifications, corrections, revocations
from traceability.services.tradeitems import trade_item

KEY = private_key_from_seed(bytes(range(32)))
GTIN = "08934567890120"


def _gs1_world(session: Session) -> World:
    world = make_world(session, name="Bưởi Diễn")
    corrections.update_product(
        session,
        actor="t",
        product_id=world.product.id,
        name="Bưởi Diễn",
        group="food",
        gtin=GTIN,
        label_form="gs1",
    )
    return world


def test_unknown_gtin_is_none(session: Session) -> None:
    _gs1_world(session)
    assert trade_item(session, "08934567890137", today=date.today()) is None


def test_product_lot_and_label_found(session: Session) -> None:
    world = _gs1_world(session)
    (label,) = issue(session, world, KEY, 1)
    today = date.today()
    item = trade_item(session, GTIN, lot=world.lot.code, serial=label.serial, today=today)
    assert item is not None
    assert (item.product_name, item.label_form, item.province) == ("Bưởi Diễn", LabelForm.GS1, "Hà Nội")
    assert (item.lot_found, item.best_before, item.label_found, item.recalled) == (
        True,
        world.lot.best_before,
        True,
        False,
    )
    assert item.certification is not None and item.certification.number == world.certification.number
    missing = trade_item(session, GTIN, lot="NO-SUCH-LOT", serial=label.serial, today=today)
    assert missing is not None and (missing.lot_found, missing.label_found) == (False, False)
    other = trade_item(session, GTIN, lot=world.lot.code, serial=label.serial + 10**6, today=today)
    assert other is not None and (other.lot_found, other.label_found) == (True, False)


def test_a_revoked_label_is_recalled_with_its_reason(session: Session) -> None:
    world = _gs1_world(session)
    (label,) = issue(session, world, KEY, 1)
    revocations.revoke(
        session,
        actor="t",
        target=RevocationTarget.LABEL,
        ref={"serial": label.serial},
        reason=RevocationReason.COUNTERFEIT,
    )
    session.expire_all()
    item = trade_item(session, GTIN, lot=world.lot.code, serial=label.serial, today=date.today())
    assert item is not None and item.label_revocation == "counterfeit" and item.recalled
    assert not item.revoked and not item.lot_revoked


def test_the_certification_in_force_today_is_preferred(session: Session) -> None:
    world = _gs1_world(session)
    today = date.today()
    newer = certifications.certify(
        session,
        actor="t",
        product_id=world.product.id,
        stars=5,
        number="QĐ mới",
        issued_on=today + timedelta(days=10),
    )
    item = trade_item(session, GTIN, today=today)
    assert item is not None and item.certification is not None
    assert item.certification.number == world.certification.number  # the later one is not in force yet
    later = trade_item(session, GTIN, today=today + timedelta(days=11))
    assert (
        later is not None and later.certification is not None and later.certification.number == newer.number
    )

"""traceability.services.naming: labels and revocation targets named as they are printed
(product, lot code, number), and the preview of what a revocation would hit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.enums import RevocationReason, RevocationTarget
from traceability.models import Revocation
from traceability.services import naming, revocations

KEY = private_key_from_seed(bytes(range(32)))


def test_by_serial_and_by_label_id_name_only_our_labels(session: Session) -> None:
    world = make_world(session, name="Nước mắm Cát Hải")
    first, second = issue(session, world, KEY, 2)
    by_serial = naming.by_serial(session, [first.serial, None, 10**12])
    assert list(by_serial) == [first.serial]
    name = by_serial[first.serial]
    assert (name.label_id, name.product_name, name.lot_code, name.number) == (
        first.id,
        "Nước mắm Cát Hải",
        world.lot.code,
        first.number,
    )
    assert set(naming.by_label_id(session, [first.id, second.id, 10**9])) == {first.id, second.id}
    assert naming.by_serial(session, [None]) == {} and naming.by_label_id(session, []) == {}


def _revoke(session: Session, target: RevocationTarget, ref: dict[str, object]) -> int:
    return revocations.revoke(
        session, actor="t", target=target, ref=ref, reason=RevocationReason.RECALLED, note="thu hồi"
    ).id


def test_revocation_targets_read_back_each_kind(session: Session) -> None:
    world = make_world(session, name="Chè Thái Nguyên")
    labels = issue(session, world, KEY, 5)
    other = make_world(session)
    issue(session, other, KEY, 1)
    ids = {
        "label": _revoke(session, RevocationTarget.LABEL, {"serial": labels[0].serial}),
        "range": _revoke(
            session,
            RevocationTarget.RANGE,
            {"lot_id": world.lot.id, "first": labels[1].number, "last": labels[2].number},
        ),
        "product": _revoke(session, RevocationTarget.PRODUCT, {"product_id": other.product.id}),
    }
    rows = [session.get(Revocation, i) for i in ids.values()]
    named = naming.revocation_targets(session, [r for r in rows if r is not None])
    label = named[ids["label"]]
    assert label.kind == "label" and label.label is not None and label.label.number == labels[0].number
    span = named[ids["range"]]
    assert (span.kind, span.lot_code, span.product_name) == ("range", world.lot.code, "Chè Thái Nguyên")
    assert (span.first, span.last) == (labels[1].number, labels[2].number)
    product = named[ids["product"]]
    assert (product.kind, product.product_name) == ("product", other.product.name)


def test_preview_groups_active_labels_by_lot(session: Session) -> None:
    world = make_world(session, name="Mắm tôm")
    labels = issue(session, world, KEY, 7)
    _revoke(session, RevocationTarget.LABEL, {"serial": labels[1].serial})  # no longer hit
    (hit,) = naming.preview(session, RevocationTarget.LOT, {"lot_id": world.lot.id}, sample=3)
    assert (hit.product_name, hit.lot_code, hit.count) == ("Mắm tôm", world.lot.code, 6)
    assert (hit.first, hit.last) == (labels[0].number, labels[6].number)
    assert hit.sample == (labels[0].number, labels[2].number, labels[3].number)
    assert hit.producer_name == world.product.producer.legal_name

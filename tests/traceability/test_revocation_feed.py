"""The revocation list's registry side (docs/revocation-list.md §2, §4, §5): versions raised by
every revocation and reinstatement in commit order, entries in force at any version, deltas,
and the migration's numbering of revocations made before it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, column, select, table
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import World, issue, make_world
from traceability.db import alembic_config, upgrade
from traceability.models import Revocation
from traceability.models.base import UTCDateTime
from traceability.services import corrections, lots, revocation_feed, revocations
from traceability.services.revocation_feed import FeedEntry


def _revoke(session: Session, target: str, ref: dict[str, object], reason: str = "recalled") -> Revocation:
    return revocations.revoke(session, actor="test", target=target, ref=ref, reason=reason)


def _scoped(entries: list[FeedEntry]) -> list[tuple[str, dict[str, object]]]:
    return [(e.scope, e.members) for e in entries]


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_every_decision_raises_the_version_and_entries_follow(
    session: Session, world: World, test_key: PrivateKey
) -> None:
    a, b, c = issue(session, world, test_key, 3)
    assert revocation_feed.current_version(session) == 0
    one = _revoke(session, "label", {"serial": a.serial}, "counterfeit")
    rng = _revoke(session, "range", {"lot_id": world.lot.id, "first": 2, "last": 3})
    again = _revoke(session, "label", {"serial": b.serial})  # b is held by the range already
    session.commit()
    assert (one.listed_version, rng.listed_version, again.listed_version) == (1, 2, 3)
    assert revocation_feed.current_version(session) == 3
    assert _scoped(revocation_feed.entries_at(session, 3)) == [
        ("code", {"serial": str(a.serial)}),
        ("range", {"lot": world.lot.id, "first": 2, "last": 3}),
    ]  # the label revocation that hit nothing is not listed
    revocations.reinstate(session, actor="test", revocation_id=one.id, note="nhầm")
    session.commit()
    assert revocation_feed.current_version(session) == 4
    assert [e.id for e in revocation_feed.entries_at(session, 4)] == [rng.id]
    # Any earlier version is rebuilt exactly, so every worker serves the same list for it.
    assert [e.id for e in revocation_feed.entries_at(session, 1)] == [one.id]
    assert [e.id for e in revocation_feed.entries_at(session, 0)] == []
    assert c.serial  # c stays valid: covered only by the range entry


def test_deltas_between_versions(session: Session, world: World, test_key: PrivateKey) -> None:
    (a,) = issue(session, world, test_key, 1)
    code = _revoke(session, "label", {"serial": a.serial}, "counterfeit")
    lot = _revoke(session, "lot", {"lot_id": world.lot.id})  # a already revoked: lot hits nothing
    session.commit()
    other = make_world(session, name="Mắm tôm Ba Làng")
    issue(session, other, test_key, 2)
    product = _revoke(session, "product", {"product_id": other.product.id}, "withdrawn")
    revocations.reinstate(session, actor="test", revocation_id=code.id, note="nhầm")
    session.commit()
    assert lot.label_count == 0
    delta = revocation_feed.delta(session, 1, 4)
    assert (delta.since, delta.version, delta.remove) == (1, 4, [code.id])
    assert _scoped(delta.add) == [("product", {"product": other.product.id})]
    assert [e.reason for e in delta.add] == ["withdrawn"]
    nothing = revocation_feed.delta(session, 4, 4)
    assert (nothing.add, nothing.remove) == ([], [])
    # Made and reinstated between since and version: in neither half.
    assert revocation_feed.delta(session, 0, 4).remove == []
    assert [e.id for e in revocation_feed.delta(session, 0, 4).add] == [product.id]
    assert revocation_feed.count_at(session, 4) == 1


def test_a_key_revocation_is_an_entry_even_without_labels(session: Session) -> None:
    key = _revoke(session, "key", {"kid": "139e3940"}, "key_compromised")
    session.commit()
    assert key.label_count == 0
    (entry,) = revocation_feed.entries_at(session, revocation_feed.current_version(session))
    assert (entry.scope, entry.members, entry.reason) == ("key", {"kid": "139e3940"}, "key_compromised")


def test_a_refused_revocation_leaves_the_version(session: Session) -> None:
    with pytest.raises(Exception, match="lot"):
        _revoke(session, "lot", {"lot_id": 999_999})
    session.rollback()
    assert revocation_feed.current_version(session) == 0


def test_concurrent_revocations_get_versions_in_commit_order(
    engine: Engine, session: Session, world: World, test_key: PrivateKey
) -> None:
    a, b = issue(session, world, test_key, 2)
    session.commit()
    first = Session(engine)
    second = Session(engine)
    got: dict[str, int] = {}
    try:
        got["first"] = _revoke(first, "label", {"serial": a.serial}).listed_version or 0

        def revoke_second() -> None:
            got["second"] = _revoke(second, "label", {"serial": b.serial}).listed_version or 0

        waiting = threading.Thread(target=revoke_second)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # blocked on the state row until the first commits
        first.commit()
        waiting.join(30)
        second.commit()
    finally:
        first.close()
        second.close()
    assert (got["first"], got["second"]) == (1, 2)
    assert revocation_feed.current_version(session) == 2


def test_migration_numbers_existing_revocations(
    engine: Engine, session: Session, world: World, test_key: PrivateKey
) -> None:
    a, _, _ = issue(session, world, test_key, 3)
    code = _revoke(session, "label", {"serial": a.serial}, "counterfeit")
    rng = _revoke(session, "range", {"lot_id": world.lot.id, "first": 2, "last": 3})
    revocations.reinstate(session, actor="test", revocation_id=code.id, note="nhầm")
    key = _revoke(session, "key", {"kid": "139e3940"}, "key_compromised")
    session.commit()
    session.close()
    command.downgrade(alembic_config(engine), "0010_epcis")
    old = table(
        "revocations",
        *(column(n) for n in ("id", "target", "target_ref", "reason", "actor", "label_count")),
        column("created_at", UTCDateTime()),
    )
    with engine.begin() as connection:  # made before 0010 with no audit entry: read from target_ref
        connection.execute(
            old.insert().values(
                id=99,
                target="range",
                target_ref=f"lot {world.lot.id} labels 4–5",
                reason="other",
                actor="test",
                label_count=0,
                created_at=datetime.now(UTC) + timedelta(seconds=5),
            )
        )
    upgrade(engine)
    with Session(engine) as fresh:
        rows = fresh.scalars(select(Revocation))
        got = {r.id: (r.target_data, r.listed_version, r.unlisted_version) for r in rows}
        assert revocation_feed.current_version(fresh) == 5
    # Made in order, then the reinstatements: the first version is the old count (made + reinstated).
    assert got == {
        code.id: ({"serial": a.serial}, 1, 5),
        rng.id: ({"lot_id": world.lot.id, "first": 2, "last": 3}, 2, None),
        key.id: ({"kid": "139e3940"}, 3, None),
        99: ({"lot_id": world.lot.id, "first": 4, "last": 5}, 4, None),
    }


def test_rebase_raises_the_version_to_the_floor_and_deltas_start_there(
    session: Session, world: World, test_key: PrivateKey
) -> None:
    (a,) = issue(session, world, test_key, 1)
    _revoke(session, "label", {"serial": a.serial})
    assert (revocation_feed.current_version(session), revocation_feed.rebased(session)) == (1, 0)
    assert revocation_feed.rebase(session, floor=1_000) == 1_000  # below the floor: to the floor
    assert (revocation_feed.current_version(session), revocation_feed.rebased(session)) == (1_000, 1_000)
    assert revocation_feed.rebase(session, floor=10) == 1_001  # at or above it: one more
    assert revocation_feed.rebased(session) == 1_001
    assert revocation_feed.bump(session) == 1_002 and revocation_feed.rebased(session) == 1_001
    # The entries in force are unchanged by a rebase: the revocation listed at version 1.
    assert [e.members for e in revocation_feed.entries_at(session, 1_002)] == [{"serial": str(a.serial)}]


def test_lot_and_product_entries_carry_the_gtin_a_gs1_label_holds(
    session: Session, world: World, test_key: PrivateKey
) -> None:
    plain = make_world(session)  # a product without a GTIN
    corrections.update_product(
        session, actor="t", product_id=world.product.id, name="Mật ong", group="food", gtin="08938600000026"
    )
    second = lots.create_lot(
        session, actor="t", product_id=world.product.id, code="MV-2", produced_on=world.lot.produced_on
    )
    issue(session, world, test_key, 2)
    issue(session, World(world.product, world.certification, second), test_key, 1)  # for the product's entry
    issue(session, plain, test_key, 1)
    lot = _revoke(session, "lot", {"lot_id": world.lot.id})
    product = _revoke(session, "product", {"product_id": world.product.id}, "withdrawn")
    bare = _revoke(session, "lot", {"lot_id": plain.lot.id})
    session.commit()
    members = {
        e.id: e.members for e in revocation_feed.entries_at(session, revocation_feed.current_version(session))
    }
    assert members[lot.id] == {"lot": world.lot.id, "gtin": "08938600000026", "lot_code": world.lot.code}
    assert members[product.id] == {"product": world.product.id, "gtin": "08938600000026"}
    assert members[bare.id] == {"lot": plain.lot.id}
    # Kept with the revocation: a later GTIN correction does not change what was served.
    corrections.update_product(
        session, actor="t", product_id=world.product.id, name="Mật ong", group="food", gtin="08934567890120"
    )
    session.commit()
    again = {
        e.id: e.members for e in revocation_feed.entries_at(session, revocation_feed.current_version(session))
    }
    assert again[product.id]["gtin"] == "08938600000026"

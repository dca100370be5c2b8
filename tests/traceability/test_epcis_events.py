"""The registry read as EPCIS events, on SQLite and PostgreSQL: what a lot's history holds,
the query parameters against real rows, and pagination. Every document is checked against
the official EPCIS 2.0 schema."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import World, issue, make_world
from traceability.epcis import events, identifiers, query, schema
from traceability.exc import NotFound
from traceability.models import Label
from traceability.services import epcis_events, lots, revocations

HOST = "https://xacthuc.ocop.vn"
CTX = events.Context(HOST, ZoneInfo("Asia/Ho_Chi_Minh"))
GTIN = "08930000000017"


@dataclass
class Registry:
    world: World
    other: World
    labels: list[Label]


@pytest.fixture
def registry(session: Session, test_key: PrivateKey) -> Registry:
    """A GTIN product's lot with three journey steps, 6 labels (2 revoked one by one, then
    the range 5-6 revoked and reinstated), and another producer's lot recalled whole."""
    world = make_world(session, name="Mật ong")
    world.product.gtin = GTIN
    other = make_world(session, name="Chè Shan tuyết")
    start = datetime.now(UTC) - timedelta(days=30)
    for days, kind, place in [
        (0, "harvested", "Mê Linh, Hà Nội"),
        (1, "packed", "Hà Nội"),
        (2, "shipped", None),
    ]:
        lots.add_event(
            session,
            actor="t",
            lot_id=world.lot.id,
            kind=kind,
            occurred_at=start + timedelta(days=days),
            place=place,
        )
    made = issue(session, world, test_key, 6)
    issue(session, other, test_key, 3)
    session.commit()
    revocations.revoke(
        session, actor="t", target="label", ref={"serial": made[0].serial}, reason="counterfeit"
    )
    revocations.revoke(
        session, actor="t", target="label", ref={"serial": made[1].serial}, reason="counterfeit"
    )
    mistaken = revocations.revoke(
        session,
        actor="t",
        target="range",
        ref={"lot_id": world.lot.id, "first": 5, "last": 6},
        reason="recalled",
    )
    session.commit()
    revocations.reinstate(session, actor="t", revocation_id=mistaken.id, note="nhầm số")
    revocations.revoke(session, actor="t", target="lot", ref={"lot_id": other.lot.id}, reason="recalled")
    session.commit()
    return Registry(world, other, made)


def _valid(found: list[events.Event]) -> list[events.Event]:
    assert schema.problems(events.query_document(CTX, found, created=datetime.now(UTC))) == []
    return found


def test_a_lots_history_holds_its_journey_issue_and_revocations(session: Session, registry: Registry) -> None:
    history = epcis_events.lot_history(session, CTX, registry.world.lot.id)
    assert schema.problems(events.document(CTX, history, created=datetime.now(UTC))) == []
    steps = [(e["bizStep"], e.get("disposition")) for e in history]
    assert steps[:3] == [
        ("creating_class_instance", "active"),
        ("packing", "in_progress"),
        ("shipping", "in_transit"),
    ]
    assert ("commissioning", "active") in steps
    assert steps.count(("decommissioning", "inactive")) == 2
    lot_uri = f"{HOST}/01/{GTIN}/10/{registry.world.lot.code}"
    issued = next(e for e in history if e["bizStep"] == "commissioning")
    assert issued["quantityList"] == [{"epcClass": lot_uri, "quantity": 6}]
    assert issued["certificationInfo"] == identifiers.certification_uri(HOST, registry.world.certification.id)
    mistaken = next(e for e in history if e.get("disposition") == "recalled")
    assert mistaken["errorDeclaration"]["reason"] == "incorrect_data"
    assert mistaken["epcList"] == [f"{lot_uri}/21/{label.serial}" for label in registry.labels[4:6]]
    times = [e["eventTime"] for e in history]
    assert times == sorted(times, key=datetime.fromisoformat)
    assert len({e["eventID"] for e in history}) == len(history)


def test_history_is_stable_between_reads(session: Session, registry: Registry) -> None:
    first = epcis_events.lot_history(session, CTX, registry.world.lot.id)
    assert epcis_events.lot_history(session, CTX, registry.world.lot.id) == first


def test_another_producers_recall_is_counted_at_class_level(session: Session, registry: Registry) -> None:
    history = epcis_events.lot_history(session, CTX, registry.other.lot.id)
    recalled = [e for e in history if e["bizStep"] == "decommissioning"]
    assert [e["quantityList"][0]["quantity"] for e in recalled] == [3]
    assert recalled[0]["quantityList"][0]["epcClass"] == f"{HOST}/epcis/lots/{registry.other.lot.id}"


def test_unknown_lot(session: Session, registry: Registry) -> None:
    with pytest.raises(NotFound):
        epcis_events.lot_history(session, CTX, 10**12)


def _all(session: Session, **params: str) -> list[events.Event]:
    return _valid(
        epcis_events.query_events(session, CTX, query.parse({k: [v] for k, v in params.items()})).events
    )


def test_filters_on_real_rows(session: Session, registry: Registry) -> None:
    everything = _all(session)
    assert len(everything) == 3 + 2 + 4  # journey, two issue runs, four revocation events
    assert [e["bizStep"] for e in _all(session, EQ_bizStep="shipping")] == ["shipping"]
    assert {e["bizStep"] for e in _all(session, EQ_action="DELETE")} == {"decommissioning"}
    assert len(_all(session, EQ_disposition="recalled")) == 2
    label = f"{HOST}/01/{GTIN}/10/{registry.world.lot.code}/21/{registry.labels[0].serial}"
    hits = _all(session, MATCH_epc=label)
    assert [e["epcList"] for e in hits] == [[label]]
    plain = f"{HOST}/epcis/lots/{registry.other.lot.id}"
    assert {e["bizStep"] for e in _all(session, MATCH_epcClass=plain)} == {"commissioning", "decommissioning"}
    assert _all(session, MATCH_epc=f"{HOST}/01/{GTIN}/10/NO-SUCH-LOT/21/1") == []
    assert _all(session, MATCH_epcClass="urn:epc:class:lgtin:4012345.012345.998877") == []
    middle = everything[1]["eventTime"]
    assert _all(session, LT_eventTime=middle) == everything[:1]
    assert _all(session, EQ_eventID=everything[2]["eventID"]) == [everything[2]]


def test_pages_cover_every_event_once(session: Session, registry: Registry) -> None:
    everything = _all(session)
    seen: list[events.Event] = []
    arguments: dict[str, list[str]] = {"perPage": ["2"]}
    while True:
        page = epcis_events.query_events(session, CTX, query.parse(arguments))
        assert len(page.events) <= 2
        seen.extend(_valid(page.events))
        if page.next_token is None:
            break
        arguments["nextPageToken"] = [page.next_token]
    assert seen == everything


def test_a_page_boundary_inside_a_revocation_that_hit_several_lots(
    session: Session, test_key: PrivateKey
) -> None:
    worlds = [make_world(session, name=f"Sản phẩm {i}") for i in range(3)]
    for world in worlds:
        issue(session, world, test_key, 1)
    session.commit()
    producer_id = worlds[0].product.producer_id
    for world in worlds[1:]:
        world.product.producer_id = producer_id
    session.commit()
    revocations.revoke(
        session, actor="t", target="producer", ref={"producer_id": producer_id}, reason="withdrawn"
    )
    session.commit()
    q = {"EQ_bizStep": ["decommissioning"], "perPage": ["1"]}
    seen = []
    while True:
        page = epcis_events.query_events(session, CTX, query.parse(q))
        seen.extend(page.events)
        if page.next_token is None:
            break
        q["nextPageToken"] = [page.next_token]
    assert sorted(e["quantityList"][0]["epcClass"] for e in seen) == sorted(
        f"{HOST}/epcis/lots/{w.lot.id}" for w in worlds
    )

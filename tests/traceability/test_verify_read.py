"""The verify path's one read of a label (facts, scan history columns and registry version)
against what the ordinary services read, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.models import utcnow
from traceability.services import corrections, labels, revocations, scans
from traceability.services.registry_version import read_version, registry_version
from traceability.services.verify_read import LotParts, read_label

KEY = private_key_from_seed(bytes(range(32)))


def test_read_label_is_facts_history_and_version(engine: Engine, session: Session) -> None:
    first, second = issue(session, make_world(session), KEY, 2)
    scans.record_scan(
        session,
        serial=first.serial,
        label_id=first.id,
        verdict="genuine",
        channel="web",
        area="Hà Nội",
        device=None,
        source_hash="a",
    )
    revocations.revoke(
        session, actor="t", target="label", ref={"serial": second.serial}, reason="counterfeit"
    )
    session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for label in (first, second):
            read = read_label(connection, label.serial)
            assert read is not None
            assert read.facts == labels.label_facts(session, label.serial)
            assert read.version == registry_version(session) == read_version(connection)
            now = utcnow()
            drawn = scans.history_from_row(connection, label.id, read.history, now, "b", None, True)
            assert drawn == scans.scan_history(
                session, label.id, now=now, current_source="b", count_current=True
            )
        assert read_label(connection, 12345) is None
    assert read.facts.revocation is not None and read.facts.revocation.reason.value == "counterfeit"


def test_read_needs_an_autocommit_connection(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(ValueError, match="AUTOCOMMIT"):
        read_label(connection, 1)


def test_lot_parts_give_the_same_facts_and_follow_the_version(engine: Engine, session: Session) -> None:
    world = make_world(session)
    first, second, third = issue(session, world, KEY, 3)
    revocations.revoke(session, actor="t", target="label", ref={"serial": third.serial}, reason="counterfeit")
    session.commit()
    lots = LotParts()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for label in (first, second, third):  # the first keeps the lot's part, the others use it
            read = read_label(connection, label.serial, lots)
            assert read == read_label(connection, label.serial)
            assert read is not None and read.facts == labels.label_facts(session, label.serial)
        assert lots.version == read.version and len(lots.parts) == 1
        assert read.facts.revocation is not None  # the label's own revocation, not the part's
        assert read_label(connection, 12345, lots) is None
        corrections.update_product(
            session, actor="t", product_id=world.product.id, name="Cải bẹ", group="food"
        )
        session.commit()
        moved = read_label(connection, second.serial, lots)
        assert moved is not None and moved.facts.product_name == "Cải bẹ"
        assert moved.version != read.version and lots.version == moved.version
        again = read_label(connection, first.serial, lots)
        assert again is not None and again.facts == labels.label_facts(session, first.serial)

"""Registry services on SQLite and PostgreSQL: validation, history, atomic revocation, audit."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.support.factories import issue, make_world
from traceability import Conflict, NotFound, StateError, ValidationError
from traceability.enums import RecordStatus
from traceability.models import AuditEntry, Label, Revocation
from traceability.services import audit, certifications, lots, producers, revocations


def _producer(session, **overrides):
    values = {
        "actor": "t",
        "legal_name": "HTX Đông Cao",
        "kind": "cooperative",
        "commune": "xã Tráng Việt",
        "province": "Hà Nội",
    } | overrides
    return producers.create_producer(session, **values)


def test_producer_text_is_nfc_normalized(session):
    decomposed = "Hợp tác xã".encode().decode()  # ensure str
    import unicodedata

    producer = _producer(session, legal_name=unicodedata.normalize("NFD", decomposed))
    assert producer.legal_name == unicodedata.normalize("NFC", decomposed)
    assert producer.district is None  # post-2025 addresses have no district


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"legal_name": "  "}, "legal_name"),
        ({"kind": "company"}, "kind"),
        ({"tax_code": "12345"}, "tax_code"),
        ({"province": "x" * 101}, "province"),
        ({"commune": "a\x00b"}, "commune"),
    ],
)
def test_producer_validation(session, overrides, field):
    with pytest.raises(ValidationError) as info:
        _producer(session, **overrides)
    assert info.value.field == field


def test_tax_code_and_gtin_are_unique(session):
    p = _producer(session, tax_code="0101234567")
    with pytest.raises(Conflict):
        _producer(session, tax_code="0101234567")
    producers.create_product(
        session, actor="t", producer_id=p.id, name="A", group="food", gtin="8938600000019"
    )
    with pytest.raises(Conflict):
        producers.create_product(
            session, actor="t", producer_id=p.id, name="B", group="food", gtin="08938600000019"
        )


@pytest.mark.parametrize("gtin", ["08938600000018", "abc", "123", "0893860000001X"])
def test_bad_gtin(session, gtin):
    p = _producer(session)
    with pytest.raises(ValidationError) as info:
        producers.create_product(session, actor="t", producer_id=p.id, name="A", group="food", gtin=gtin)
    assert info.value.field == "gtin"


def test_certification_defaults_and_rules(session):
    world = make_world(session, stars=5, issued_on=date(2024, 2, 29))
    cert = world.certification
    assert cert.valid_until == date(2027, 2, 28)  # 36 months, clamped to month end
    assert cert.level.value == "central"
    with pytest.raises(ValidationError) as info:
        certifications.certify(
            session,
            actor="t",
            product_id=world.product.id,
            stars=4,
            number="X",
            issued_on=date(2025, 1, 1),
            level="district",
        )
    assert info.value.field == "level"
    for stars in (2, 6, True):
        with pytest.raises(ValidationError):
            certifications.certify(
                session,
                actor="t",
                product_id=world.product.id,
                stars=stars,
                number="Y",
                issued_on=date(2025, 1, 1),
            )
    with pytest.raises(Conflict):
        certifications.certify(
            session,
            actor="t",
            product_id=world.product.id,
            stars=5,
            number=cert.number,
            issued_on=date(2025, 1, 1),
        )


def test_re_rating_keeps_history(session):
    world = make_world(session, stars=3, issued_on=date(2021, 1, 10))
    newer = certifications.certify(
        session, actor="t", product_id=world.product.id, stars=4, number="QĐ mới", issued_on=date(2024, 1, 10)
    )
    session.refresh(world.product)
    assert [c.stars for c in world.product.certifications] == [3, 4]
    assert certifications.current_certification(session, world.product.id, date(2025, 1, 1)).id == newer.id
    assert certifications.current_certification(session, world.product.id, date(2030, 1, 1)) is None


def test_withdraw_twice_is_refused(session):
    world = make_world(session)
    certifications.withdraw(
        session, actor="t", certification_id=world.certification.id, reason="Vi phạm", on=date.today()
    )
    with pytest.raises(StateError):
        certifications.withdraw(
            session, actor="t", certification_id=world.certification.id, reason="x", on=date.today()
        )


def test_database_refuses_bad_stars_even_without_the_service(session):
    world = make_world(session)
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE certifications SET stars = 2 WHERE id = :id"), {"id": world.certification.id}
        )
        session.flush()


def test_lot_rules(session):
    world = make_world(session)
    with pytest.raises(Conflict):
        lots.create_lot(
            session, actor="t", product_id=world.product.id, code=world.lot.code, produced_on=date(2026, 1, 1)
        )
    with pytest.raises(ValidationError) as info:
        lots.create_lot(
            session,
            actor="t",
            product_id=world.product.id,
            code="L2",
            produced_on=date(2026, 1, 2),
            best_before=date(2026, 1, 1),
        )
    assert info.value.field == "best_before"
    with pytest.raises(NotFound) as missing:
        lots.create_lot(session, actor="t", product_id=99999, code="L3", produced_on=date(2026, 1, 1))
    assert (missing.value.entity, missing.value.key) == ("product", 99999)


def test_revoke_a_range_then_the_lot_then_reinstate(session, test_key):
    world = make_world(session)
    issue(session, world, test_key, count=10)
    ranged = revocations.revoke(
        session,
        actor="t",
        target="range",
        ref={"lot_id": world.lot.id, "first": 3, "last": 5},
        reason="damaged_or_lost",
    )
    assert ranged.label_count == 3
    assert (
        revocations.count_affected(session, revocations.RevocationTarget.LOT, {"lot_id": world.lot.id}) == 7
    )
    whole = revocations.revoke(
        session, actor="t", target="lot", ref={"lot_id": world.lot.id}, reason="recalled"
    )
    assert whole.label_count == 7 and world.lot.status is RecordStatus.REVOKED
    revocations.reinstate(session, actor="t", revocation_id=whole.id, note="Nhầm lô")
    session.expire_all()
    active = session.scalar(
        select(func.count()).select_from(Label).where(Label.status == RecordStatus.ACTIVE)
    )
    assert active == 7  # the earlier range revocation stands
    with pytest.raises(StateError):
        revocations.reinstate(session, actor="t", revocation_id=whole.id, note="again")
    with pytest.raises(ValidationError):
        revocations.revoke(
            session,
            actor="t",
            target="range",
            ref={"lot_id": world.lot.id, "first": 5, "last": 2},
            reason="other",
        )
    actions = [e.action for e in audit.search(session, entity="revocation")]
    assert actions.count("revocation.create") == 2 and actions.count("revocation.reinstate") == 1


def test_key_revocation_cannot_be_reinstated(session, test_key):
    world = make_world(session)
    issue(session, world, test_key, count=2)
    rev = revocations.revoke(
        session, actor="t", target="key", ref={"kid": test_key.kid}, reason="key_compromised"
    )
    assert rev.label_count == 2
    with pytest.raises(StateError):
        revocations.reinstate(session, actor="t", revocation_id=rev.id, note="no")
    with pytest.raises(ValidationError):
        revocations.revoke(
            session, actor="t", target="lot", ref={"lot_id": world.lot.id}, reason="key_compromised"
        )


def test_revocation_is_atomic_with_its_transaction(engine, test_key):
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        world = make_world(session)
        issue(session, world, test_key, count=5)
        lot_id = world.lot.id
        session.commit()
    with Session(engine) as session:
        revocations.revoke(session, actor="t", target="lot", ref={"lot_id": lot_id}, reason="recalled")
        session.rollback()  # e.g. the request failed after the update
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Revocation)) == 0
        revoked = session.scalar(
            select(func.count()).select_from(Label).where(Label.status == RecordStatus.REVOKED)
        )
        assert revoked == 0


def test_audit_log_is_append_only(session):
    _producer(session)
    session.flush()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), session.begin_nested():
            session.execute(text(statement))


def test_event_time_rules(session):
    from datetime import UTC, datetime

    world = make_world(session)
    with pytest.raises(ValidationError):
        lots.add_event(
            session, actor="t", lot_id=world.lot.id, kind="packed", occurred_at=datetime(2026, 1, 1)
        )
    with pytest.raises(ValidationError):
        lots.add_event(
            session,
            actor="t",
            lot_id=world.lot.id,
            kind="packed",
            occurred_at=datetime.now(UTC) + timedelta(days=1),
        )
    event = lots.add_event(
        session,
        actor="t",
        lot_id=world.lot.id,
        kind="packed",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        place="Mê Linh",
    )
    assert lots.events(session, world.lot.id)[0].id == event.id

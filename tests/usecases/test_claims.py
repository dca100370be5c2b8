"""usecases.claims: the scratch-off claim on labels issued with a secret (real issue path)."""

from __future__ import annotations

from datetime import UTC, datetime

from keys import Keyring
from labels import LabelSerializer
from tests.support.factories import ACTOR, BASE_URL, make_world
from traceability.models import Label
from usecases import issuance
from usecases.claims import ClaimOutcome, claim

FIRST = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def _issued_with_secret(session, key, count=2):
    world = make_world(session)
    plan = issuance.plan_issue(
        session,
        product_id=world.product.id,
        lot_code=world.lot.code,
        count=count,
        today=world.certification.issued_on,
        base_url=BASE_URL,
    )
    drawn = list(
        issuance.issue(
            session,
            plan,
            key=key,
            serializer=LabelSerializer(BASE_URL, Keyring()),
            actor=ACTOR,
            with_secret=True,
        )
    )
    session.flush()
    labels = {label.serial: label for label in session.query(Label).filter(Label.lot_id == world.lot.id)}
    return [(labels[d.serial], d.secret) for d in drawn]


def test_first_claim_wins_then_reports_the_first_time(session, test_key):
    (label, secret), _ = _issued_with_secret(session, test_key)
    won = claim(session, label_id=label.id, serial=label.serial, secret=secret, source=None, now=FIRST)
    assert (won.outcome, won.claimed_at) == (ClaimOutcome.CLAIMED, FIRST)
    again = claim(
        session, label_id=label.id, serial=label.serial, secret=secret, source=None, now=datetime.now(UTC)
    )
    assert again.outcome is ClaimOutcome.ALREADY_CLAIMED
    assert again.claimed_at is not None and again.claimed_at.replace(tzinfo=UTC) == FIRST
    session.expire_all()
    assert session.get(Label, label.id).claim_attempts == 2


def test_wrong_secret_claims_nothing(session, test_key):
    (label, secret), (_other, other_secret) = _issued_with_secret(session, test_key)
    assert secret != other_secret
    wrong = claim(
        session, label_id=label.id, serial=label.serial, secret=other_secret, source=None, now=FIRST
    )
    assert (wrong.outcome, wrong.claimed_at) == (ClaimOutcome.WRONG_SECRET, None)
    session.expire_all()
    assert session.get(Label, label.id).claimed_at is None


def test_label_without_secret_or_unknown_is_no_secret(session, test_key):
    (label, secret), _ = _issued_with_secret(session, test_key)
    mismatched = claim(session, label_id=label.id, serial=label.serial + 1, secret=secret, source=None)
    assert mismatched.outcome is ClaimOutcome.NO_SECRET
    assert (
        claim(session, label_id=10**9, serial=1, secret=secret, source=None).outcome is ClaimOutcome.NO_SECRET
    )

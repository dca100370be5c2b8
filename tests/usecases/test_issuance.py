"""usecases.issuance: planning refuses what may not be issued and records nothing; issuing
records the rows and one audit entry with the run's facts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from keys import Keyring
from labels import LabelSerializer
from tests.support.factories import ACTOR, BASE_URL, make_world
from traceability.models import AuditEntry, Label
from usecases.exc import IssueRefused, RefusalReason
from usecases.issuance import ends_before_best_before, issue, plan_issue


def _plan(session, world, count=3, today=None):
    return plan_issue(session, product_id=world.product.id, lot_code=world.lot.code, count=count,
                      today=today or world.certification.issued_on, base_url=BASE_URL)


def test_issue_records_rows_and_one_audit_entry(session, test_key):
    world = make_world(session)
    plan = _plan(session, world, count=3)
    serializer = LabelSerializer(BASE_URL, Keyring())
    drawn = list(issue(session, plan, key=test_key, serializer=serializer, actor=ACTOR))
    session.flush()
    assert [d.number for d in drawn] == [1, 2, 3] and len({d.text for d in drawn}) == 3
    assert session.query(Label).filter_by(lot_id=world.lot.id).count() == 3
    entry = session.query(AuditEntry).filter_by(action="labels.issue").one()
    assert (entry.detail["count"], entry.detail["first_number"]) == (3, 1)
    assert entry.detail["code"] == world.lot.code


@pytest.mark.parametrize("count", [0, -1, True, "3"])
def test_bad_count_is_refused(session, count):
    with pytest.raises(IssueRefused) as refused:
        _plan(session, make_world(session), count=count)
    assert refused.value.reason is RefusalReason.BAD_COUNT


def test_no_certification_in_force_is_refused(session):
    world = make_world(session)
    with pytest.raises(IssueRefused) as refused:
        _plan(session, world, today=world.certification.issued_on - timedelta(days=1))
    assert refused.value.reason is RefusalReason.NO_CERTIFICATION
    assert session.query(Label).count() == 0


def test_certificate_ending_before_best_before_is_warned(session):
    world = make_world(session)  # best-before 2000 days after the rating: past its 36 months
    assert ends_before_best_before(world.certification.valid_until, world.lot.best_before)
    assert not ends_before_best_before(world.certification.valid_until, None)
    assert any("best-before" in warning for warning in _plan(session, world).warnings)

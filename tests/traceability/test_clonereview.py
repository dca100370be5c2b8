"""traceability.services.clonereview: an inspector clears a label's clone signals (a false
alarm: only later checks count) or confirms them (they keep showing), audited either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.activity import add_scan
from tests.support.factories import issue, make_world
from traceability import NotFound, StateError, ValidationError
from traceability.models import AuditEntry, Label
from traceability.services import clonereview
from traceability.services.clonereview import CloneReview
from traceability.services.recent_scans import CLONE_SOURCES

KEY = private_key_from_seed(bytes(range(32)))


def _copied(session: Session, label: Label, at: datetime, prefix: str) -> None:
    """Scans of ``label`` from CLONE_SOURCES networks: the many_sources signal."""
    for n in range(CLONE_SOURCES):
        add_scan(session, label, source=f"{prefix}{n}", at=at + timedelta(seconds=n))


def test_clearing_ends_the_signals_until_new_checks_fire_again(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    now = datetime.now(UTC)
    _copied(session, label, now - timedelta(hours=3), "old")
    before = clonereview.state(session, label.id)
    assert (before.review, before.reviewed_at) == (None, None) and "many_sources" in before.signals
    assert before.serial == label.serial
    cleared_at = now - timedelta(hours=2)
    got = clonereview.review(
        session, actor="insp", label_id=label.id, outcome="cleared", note="một cửa hàng", now=cleared_at
    )
    assert got is CloneReview.CLEARED
    after = clonereview.state(session, label.id)
    assert (after.review, after.signals) == (CloneReview.CLEARED, ())
    assert after.reviewed_at is not None and after.reviewed_at.replace(tzinfo=UTC) == cleared_at
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "label.clone_cleared")).one()
    assert entry.entity_id == str(label.id) and entry.actor == "insp"
    assert entry.detail["signals"] == list(before.signals) and entry.detail["note"] == "một cửa hàng"
    with pytest.raises(StateError):  # nothing shows now: nothing to review
        clonereview.review(session, actor="insp", label_id=label.id, outcome="confirmed", note="x")
    _copied(session, label, now - timedelta(minutes=30), "new")
    assert "many_sources" in clonereview.state(session, label.id).signals


def test_confirming_keeps_the_signals(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    _copied(session, label, datetime.now(UTC) - timedelta(hours=1), "s")
    got = clonereview.review(session, actor="insp", label_id=label.id, outcome="confirmed", note="hàng giả")
    assert got is CloneReview.CONFIRMED
    state = clonereview.state(session, label.id)
    assert state.review is CloneReview.CONFIRMED and "many_sources" in state.signals
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "label.clone_confirmed")).one()
    assert entry.detail["serial"] == label.serial


def test_refusals(session: Session) -> None:
    flagged, quiet = issue(session, make_world(session), KEY, 2)
    _copied(session, flagged, datetime.now(UTC) - timedelta(hours=1), "s")
    with pytest.raises(ValidationError) as bad:
        clonereview.review(session, actor="insp", label_id=flagged.id, outcome="maybe", note="x")
    assert bad.value.field == "outcome"
    with pytest.raises(ValidationError) as empty:
        clonereview.review(session, actor="insp", label_id=flagged.id, outcome="cleared", note="  ")
    assert empty.value.field == "note"
    with pytest.raises(StateError):
        clonereview.review(session, actor="insp", label_id=quiet.id, outcome="cleared", note="x")
    with pytest.raises(NotFound):
        clonereview.review(session, actor="insp", label_id=quiet.id + 1000, outcome="cleared", note="x")
    with pytest.raises(NotFound):
        clonereview.state(session, quiet.id + 1000)
    assert clonereview.state(session, flagged.id).review is None
    reviews = select(AuditEntry).where(AuditEntry.action.like("label.clone_%"))
    assert session.scalars(reviews).all() == []

"""An inspector's review of a label's clone signals: cleared as a false alarm, or confirmed as
a copy.

Clearing ends what the shopper sees: the signals shown on the label's page stop, and from
then on only checks made after the clearing count (:func:`.clones.cleared_since`): the
recent-scan summary starts empty, a kept located signal is dropped, and the claim counter
goes back to the first claim. A signal fired by new checks shows again. Confirming keeps
every signal; the label is then revoked through the revocation flow (a revocation is its
own decision, with its own preview and audit entry). Both are audit-logged with the note and
the signals the inspector saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import validate
from ..exc import NotFound, StateError
from ..models import Label, utcnow
from . import audit, label_scans


class CloneReview(StrEnum):
    CLEARED = "cleared"  # a false alarm
    CONFIRMED = "confirmed"  # a copy


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The label's review (``None``: not reviewed), when, and the signals that show now."""

    review: CloneReview | None
    reviewed_at: datetime | None
    signals: tuple[str, ...]
    serial: int


def state(session: Session, label_id: int, *, now: datetime | None = None) -> ReviewState:
    """Return the label's review state. Raises :class:`NotFound`."""
    row = session.execute(
        select(Label.serial, Label.clone_review, Label.clone_reviewed_at).where(Label.id == label_id)
    ).first()
    if row is None:
        raise NotFound("label", label_id)
    history = label_scans.scan_history(session, label_id, now=now)
    review = CloneReview(row.clone_review) if row.clone_review else None
    return ReviewState(review, row.clone_reviewed_at, history.signals, int(row.serial))


def review(
    session: Session, *, actor: str, label_id: int, outcome: str, note: str, now: datetime | None = None
) -> CloneReview:
    """Record the inspector's review of the label's clone signals in the caller's transaction
    and return it.

    Raises :class:`NotFound`, :class:`ValidationError` (``outcome``, ``note``), and
    :class:`StateError` when no signal shows (there is nothing to review).
    """
    decided = validate.choice("outcome", outcome, CloneReview)
    text = validate.required_text("note", note, max_length=2000)
    label = session.execute(
        select(Label.id, Label.serial, Label.clone_detail, Label.claim_attempts)
        .where(Label.id == label_id)
        .with_for_update()  # the scan writer updates the same row's summary
    ).first()
    if label is None:
        raise NotFound("label", label_id)
    moment = now or utcnow()
    signals = label_scans.scan_history(session, label_id, now=moment).signals
    if not signals:
        raise StateError("label", label_id, "no clone signal shows for this label")
    changes: dict[str, object] = {"clone_review": decided.value, "clone_reviewed_at": moment}
    if decided is CloneReview.CLEARED:
        changes |= {
            "clone_signal": None,
            "clone_signal_at": None,
            "clone_detail": None,
            "recent_sources": [],
            "recent_areas": [],
            "recent_oldest": None,
            "claim_attempts": min(label.claim_attempts or 0, 1),
        }
    session.execute(
        update(Label)
        .where(Label.id == label_id)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        actor=actor,
        action=f"label.clone_{decided.value}",
        entity="label",
        entity_id=label_id,
        summary=f"Clone signals of label {label.serial} {decided.value}: {text}",
        detail={
            "serial": int(label.serial),
            "signals": list(signals),
            "evidence": label.clone_detail,
            "note": text,
        },
    )
    return decided

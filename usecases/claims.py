"""Scratch-off claims: the buyer types the hidden secret to claim the item once.

``Label.claimed_at`` is set by the first correct claim; ``Label.claim_attempts`` counts every
correct claim but those from the first claim's source (``Label.claim_source``: the buyer
checking their own code again), so a value above 1 means the same secret was claimed again
from another network — a clone signal (the item was resold or its label copied together with
the secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labels.secret import check_secret
from traceability.models import Label, utcnow


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # first correct claim: this item is yours
    ALREADY_CLAIMED = "already_claimed"  # correct secret, claimed before (đã bán)
    WRONG_SECRET = "wrong_secret"  # noqa: S105 - an outcome name, not a password
    NO_SECRET = "no_secret"  # noqa: S105 - this label was issued without a scratch-off secret


@dataclass(frozen=True, slots=True)
class ClaimResult:
    outcome: ClaimOutcome
    claimed_at: datetime | None  # the FIRST claim's time, for "already claimed on DATE"


def claim(
    session: Session,
    *,
    label_id: int,
    serial: int,
    secret: str,
    source: str | None,
    now: datetime | None = None,
) -> ClaimResult:
    """Try to claim the label with ``secret`` from ``source`` (the claimant's rotating source
    hash, ``None`` if unknown) and return what happened. Never raises for bad input.

    The first-claim write is a conditional UPDATE (``claimed_at IS NULL``) so two buyers
    claiming at the same moment cannot both win.
    """
    row = session.execute(
        select(Label.secret_hash, Label.claimed_at, Label.claim_source).where(
            Label.id == label_id, Label.serial == serial
        )
    ).first()
    if row is None or row.secret_hash is None:
        return ClaimResult(ClaimOutcome.NO_SECRET, None)
    if not check_secret(secret, serial, row.secret_hash):
        return ClaimResult(ClaimOutcome.WRONG_SECRET, row.claimed_at)
    moment = now or utcnow()
    won = session.execute(
        update(Label)
        .where(Label.id == label_id, Label.claimed_at.is_(None))
        .values(claimed_at=moment, claim_attempts=Label.claim_attempts + 1, claim_source=source)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if won:
        return ClaimResult(ClaimOutcome.CLAIMED, moment)
    if source is not None and row.claimed_at is not None and source == row.claim_source:
        return ClaimResult(ClaimOutcome.ALREADY_CLAIMED, row.claimed_at)
    session.execute(
        update(Label)
        .where(Label.id == label_id)
        .values(claim_attempts=Label.claim_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    first = session.scalar(select(Label.claimed_at).where(Label.id == label_id))
    return ClaimResult(ClaimOutcome.ALREADY_CLAIMED, first)

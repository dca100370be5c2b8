"""What an offline verifier needs from the registry: the revoked serials and a version that
changes whenever that list can have changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..enums import RecordStatus
from ..models import Label, Revocation


@dataclass(frozen=True, slots=True)
class RevokedLabel:
    serial: int
    reason: str
    revoked_at: datetime


def list_version(session: Session) -> int:
    """Return the list's version: revocations made plus revocations reinstated.

    Revocation rows are never deleted and a reinstatement is final, so the number only grows,
    and every change to the set of revoked labels raises it. One cheap aggregate query.
    """
    made, reinstated = session.execute(
        select(func.count(Revocation.id), func.count(Revocation.reinstated_at))
    ).one()
    return int(made) + int(reinstated)


def revoked_labels(session: Session) -> list[RevokedLabel]:
    """Return every revoked label with its revocation's reason and time, by serial."""
    rows = session.execute(
        select(Label.serial, Revocation.reason, Revocation.created_at)
        .join(Revocation, Label.revocation_id == Revocation.id)
        .where(Label.status == RecordStatus.REVOKED)
        .order_by(Label.serial)
    )
    return [RevokedLabel(serial, reason.value, at) for serial, reason, at in rows]

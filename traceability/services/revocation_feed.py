"""The revocation list an offline client trusts (docs/revocation-list.md §2–§5): its version,
the revocations in force as entries (never expanded into serials), and deltas between versions.

Every revocation and reinstatement calls :func:`bump` in its own transaction. The UPDATE holds
the state row's lock until commit, so a version is committed only after every lower one: the
list "at version V" read below is the same on every worker and host, whatever the statement
snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from ..enums import RevocationTarget
from ..models import Revocation, RevocationListState

STATE_ROW = 1
# The list's scope for each revocation target, and the list member for each target_data key.
SCOPES = {
    RevocationTarget.LABEL: "code",
    RevocationTarget.RANGE: "range",
    RevocationTarget.LOT: "lot",
    RevocationTarget.PRODUCT: "product",
    RevocationTarget.PRODUCER: "producer",
    RevocationTarget.KEY: "key",
}
MEMBERS = {
    "serial": "serial",
    "lot_id": "lot",
    "first": "first",
    "last": "last",
    "product_id": "product",
    "producer_id": "producer",
    "kid": "kid",
    "gtin": "gtin",  # lot and product entries whose product has a GTIN
    "lot_code": "lot_code",
}


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One revocation in force. ``members`` are its scope's list members (§2): ``serial``
    (decimal text), ``lot``/``first``/``last``, ``lot``, ``product``, ``producer`` or ``kid``."""

    id: int
    scope: str
    members: dict[str, Any]
    reason: str
    revoked_at: datetime


@dataclass(frozen=True, slots=True)
class Delta:
    """What changed between versions ``since`` and ``version`` (§4)."""

    since: int
    version: int
    add: list[FeedEntry]
    remove: list[int]


def bump(session: Session) -> int:
    """Raise the list's version by one in the caller's transaction; return the new version.

    Holds the state row's lock until the caller's transaction ends (call it before any other
    lock a revocation takes, so two revocations never wait on each other in a cycle).
    """
    state = RevocationListState
    return int(
        session.execute(
            update(state)
            .where(state.id == STATE_ROW)
            .values(version=state.version + 1)
            .returning(state.version)
            .execution_options(synchronize_session=False)
        ).scalar_one()
    )


def rebase(session: Session, *, floor: int) -> int:
    """After a restore from a backup: raise the version to ``floor`` (by one at least, if it
    is already there) and make that the version deltas start from; return the new version.

    Clients may hold versions the restored registry never reached or reached with other
    entries (served between the backup and the restore): they accept the higher version as a
    newer list, and a delta from any lower version is answered with the full list (§5).
    """
    state = RevocationListState
    raised = case((state.version + 1 > floor, state.version + 1), else_=floor)
    return int(
        session.execute(
            update(state)
            .where(state.id == STATE_ROW)
            .values(version=raised, rebased=raised)
            .returning(state.version)
            .execution_options(synchronize_session=False)
        ).scalar_one()
    )


def rebased(session: Session) -> int:
    """Return the version the last restore set (0: never restored); one primary-key read."""
    state = RevocationListState
    return int(session.scalar(select(state.rebased).where(state.id == STATE_ROW)) or 0)


def current_version(session: Session) -> int:
    """Return the list's committed version; one primary-key read."""
    state = RevocationListState
    return int(session.scalar(select(state.version).where(state.id == STATE_ROW)) or 0)


def _listed() -> ColumnElement[bool]:
    """Revocations that belong on the list: they hit a label, or they name a key (§2)."""
    return and_(
        Revocation.target_data.is_not(None),
        or_(Revocation.label_count > 0, Revocation.target == RevocationTarget.KEY),
    )


def _in_force(version: int) -> ColumnElement[bool]:
    return and_(
        Revocation.listed_version <= version,
        or_(Revocation.unlisted_version.is_(None), Revocation.unlisted_version > version),
    )


_ENTRY_COLUMNS = (
    Revocation.id,
    Revocation.target,
    Revocation.target_data,
    Revocation.reason,
    Revocation.created_at,
)


def _entries(session: Session, condition: ColumnElement[bool]) -> list[FeedEntry]:
    rows = session.execute(select(*_ENTRY_COLUMNS).where(_listed(), condition).order_by(Revocation.id))
    return [
        FeedEntry(
            id=rid,
            scope=SCOPES[target],
            members={MEMBERS[k]: str(v) if k == "serial" else v for k, v in (data or {}).items()},
            reason=reason.value,
            revoked_at=at,
        )
        for rid, target, data, reason, at in rows
    ]


def entries_at(session: Session, version: int) -> list[FeedEntry]:
    """Return the entries in force at ``version`` (≤ the committed version), by id."""
    return _entries(session, _in_force(version))


def delta(session: Session, since: int, version: int) -> Delta:
    """Return the change from ``since`` to ``version`` (``since`` ≤ ``version`` ≤ the committed
    version): entries in force at ``version`` listed after ``since``, and the ids of entries in
    force at ``since`` that are not at ``version``."""
    added = _entries(session, and_(_in_force(version), Revocation.listed_version > since))
    removed = session.scalars(
        select(Revocation.id)
        .where(
            _listed(),
            _in_force(since),
            Revocation.unlisted_version > since,
            Revocation.unlisted_version <= version,
        )
        .order_by(Revocation.id)
    ).all()
    return Delta(since=since, version=version, add=added, remove=list(removed))


def count_at(session: Session, version: int) -> int:
    """Return how many entries are in force at ``version`` (to choose a delta or the full list)."""
    return int(session.scalar(select(func.count(Revocation.id)).where(_listed(), _in_force(version))) or 0)

"""A cheap number that changes whenever the registry changes, for caches that must never be
stale: every registry change writes an audit entry (see :mod:`.audit`)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry
from ..prepared import PreparedRead

# Concurrent PostgreSQL transactions may commit their audit ids out of order, so the newest id
# alone could miss a change that commits late with a lower id; counting the recent ids catches
# it. Two changes in flight more than this many ids apart are not a real workload.
RECENT_IDS = 1000

_NEWEST = select(func.max(AuditEntry.id)).scalar_subquery()
_VERSION = select(func.max(AuditEntry.id), func.count(AuditEntry.id)).where(
    AuditEntry.id > _NEWEST - RECENT_IDS
)
# The same two numbers as scalar columns, for statements that read the version alongside other
# data in one round trip (and one snapshot).
NEWEST_ID = select(func.max(AuditEntry.id)).scalar_subquery().label("version_newest")
RECENT_COUNT = (
    select(func.count(AuditEntry.id))
    .where(AuditEntry.id > select(func.max(AuditEntry.id)).scalar_subquery() - RECENT_IDS)
    .scalar_subquery()
    .label("version_recent")
)


def registry_version(session: Session) -> tuple[int, int]:
    """Return ``(newest audit id, audit entries among the newest ids)``; one indexed query."""
    newest, recent = session.connection().execute(_VERSION).one()
    return int(newest or 0), int(recent)


_READ_VERSION = PreparedRead(_VERSION)


def read_version(connection: Connection) -> tuple[int, int]:
    """The same as :func:`registry_version`, on an autocommit connection's driver cursor (the
    verify path's, see :mod:`traceability.prepared`), without an ORM session. Raises
    :class:`ValueError` for another connection, :class:`sqlalchemy.exc.DBAPIError`."""
    row = _READ_VERSION.first(connection, {})
    assert row is not None  # an aggregate always returns its row
    newest, recent = row
    return int(newest or 0), int(recent)

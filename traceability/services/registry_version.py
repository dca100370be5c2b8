"""A number that changes whenever the registry changes, for caches that must never be stale.

Every registry change writes an audit entry (:func:`.audit.record`), and the transaction that
writes one raises ``registry_state.version`` by one as its last statement before COMMIT (a
``before_commit`` hook on every :class:`~sqlalchemy.orm.Session`). So:

- **It follows commit order.** The raise holds the row's lock until COMMIT; a second
  registry transaction raises it only after the first has committed. A reader (the verify
  path, autocommit) sees a version together with the rows of the same snapshot, so a cache
  keyed on the version never holds facts older than its key.
- **It cannot deadlock.** The lock is the last one a transaction takes, and a transaction
  holding it waits for nothing but its own COMMIT; the scan writer never takes it.
- **A read is one primary-key lookup.** Before (revision 0014 and earlier) the version was the
  newest audit id and a count of the 1,000 ids below it (concurrent transactions may commit
  their ids out of order): on PostgreSQL, from 1,000 audit entries on, that read cost
  ~100–140 µs more a verification than this one (round trip 241–281 µs against 138–146 µs;
  server execution 0.09–0.21 ms against 0.02–0.03 ms; ``bench/bench_version_read.py``,
  docs/performance.md, "Verify site, 2026-12-01 evening").

A transaction that wrote an audit entry and was rolled back still raises the version at the
session's next commit: a spurious change only empties caches, a missed one would keep them
stale. A restore from a backup raises it past any number served before (:func:`rebase`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, event, select, update
from sqlalchemy.orm import Session

from ..models import RegistryState
from ..prepared import PreparedRead

STATE_ROW = 1
_CHANGED = "ocop_registry_changed"  # Session.info key: this transaction wrote an audit entry

# The version as a scalar column, for statements that read it alongside other data in one
# round trip (and one snapshot).
VERSION = (
    select(RegistryState.version).where(RegistryState.id == STATE_ROW).scalar_subquery().label("version")
)
_READ_VERSION = PreparedRead(select(VERSION))


def changed(session: Session) -> None:
    """Mark the session's transaction as a registry change: its commit raises the version.
    Called by :func:`.audit.record`."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        session.execute(
            update(RegistryState)
            .where(RegistryState.id == STATE_ROW)
            .values(version=RegistryState.version + 1)
            .execution_options(synchronize_session=False)
        )


def registry_version(session: Session) -> int:
    """Return the committed registry version (0 for a database without the row)."""
    return as_version(session.scalar(select(VERSION)))


def read_version(connection: Connection) -> int:
    """The same as :func:`registry_version`, on an autocommit connection's driver cursor (the
    verify path's, see :mod:`traceability.prepared`), without an ORM session. Raises
    :class:`ValueError` for another connection, :class:`sqlalchemy.exc.DBAPIError`."""
    row = _READ_VERSION.first(connection, {})
    return as_version(row[0] if row is not None else None)


def as_version(value: Any) -> int:
    """The version from a :data:`VERSION` column's value."""
    return int(value or 0)


def rebase(session: Session, *, floor: int) -> int:
    """After a restore from a backup: raise the version to ``floor`` (by one at least, if it is
    already there), so that no worker takes the restored registry for one it has cached;
    return the new version."""
    state = RegistryState
    raised = case((state.version + 1 > floor, state.version + 1), else_=floor)
    return int(
        session.execute(
            update(state)
            .where(state.id == STATE_ROW)
            .values(version=raised)
            .returning(state.version)
            .execution_options(synchronize_session=False)
        ).scalar_one()
    )

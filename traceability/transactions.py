"""Running one unit of work in its own transaction, again if the database aborted it only
because of a concurrent transaction.

PostgreSQL aborts a transaction with SQLSTATE 40P01 (deadlock detected) or 40001
(serialization failure) when it lost to another one; running it again from the start is the
documented answer. The scan writer's lock order (:func:`.services.scans.record_scans`)
leaves admin writes nothing to deadlock with, so this is the second line of defence. The
decision is made on the driver's SQLSTATE, never on the message. SQLite's driver has none:
its busy timeout does the waiting there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

T = TypeVar("T")

RETRYABLE = frozenset({"40001", "40P01"})
ATTEMPTS = 5


def sqlstate(error: BaseException) -> str | None:
    """Return the SQLSTATE of a driver error wrapped by SQLAlchemy, or ``None``."""
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    return state if isinstance(state, str) else None


def is_retryable(error: BaseException) -> bool:
    """True if the database aborted the transaction for a concurrent one (40001, 40P01)."""
    return isinstance(error, DBAPIError) and sqlstate(error) in RETRYABLE


def retrying(sessions: Callable[[], Session], work: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``work`` with a new session from ``sessions`` and commit; if the database aborts it
    with 40001 or 40P01, roll back and run it again, up to ``attempts`` times in all, after a
    short random pause (so two retried transactions do not collide again in step).

    Returns what ``work`` returns. Raises what ``work`` raises, or the last retryable
    :class:`sqlalchemy.exc.DBAPIError` once the attempts are used up.
    """
    attempt = 1
    while True:
        with sessions() as session:
            try:
                result = work(session)
                session.commit()
                return result
            except DBAPIError as e:
                session.rollback()
                if attempt >= attempts or not is_retryable(e):
                    raise
        time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
        attempt += 1

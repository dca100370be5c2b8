"""A limit on how long one wait for PostgreSQL's answer may last, set by the caller for its own
thread or task (a web request), so that a server that takes the statement and never answers
is an error in seconds instead of a request that waits until gunicorn kills its worker.

**Why.** libpq's network timeouts (:data:`traceability.db.NETWORK_TIMEOUTS`) end waits on a
host that is gone; nothing ended a wait on a server that is up and silent. Measured
(2026-12-02, a verify request in process on PostgreSQL 15): with the ``labels`` table locked
by another transaction (``LOCK TABLE … ACCESS EXCLUSIVE``, as a migration, a restore or
``VACUUM FULL`` takes it), and with the server's processes stopped (``SIGSTOP``, as a
server stuck on its disk is), a cold verification waited 40.0 s, as long as the lock or the
stop lasted; under gunicorn its worker would have been killed at 30 s, with its queued scans.
Behind PgBouncer, a client waits for a free server connection up to its
``query_wait_timeout`` (120 s by default) the same way.

**How.** Every statement, commit, rollback and pool ping that psycopg runs waits for the server
in ``Connection.wait``; :class:`BoundedConnection` (the web app's connection class on
PostgreSQL, :func:`traceability.db.connect_driver`) passes psycopg the time this wait may
last, when one is set (:func:`limit_waits`), and when it runs out sends the server a cancel
request for the statement, closes the connection, whose state is unknown mid-statement, and
raises :class:`NoAnswer`, a
``psycopg.OperationalError`` on a closed connection: SQLAlchemy wraps it as its own
``OperationalError`` and treats it as a lost connection (invalidated), and the web app
answers its outage's 503 (:mod:`verify_web.core.outage`, which also empties the pool). The
verify path's own read (:mod:`traceability.libpq`) waits the same way. Without a limit
nothing changes (the command line sets none; the scan writer limits its statements, not its
commits: a commit the client stopped waiting for may still land).

Limits: the limit is per wait, not per request (a request that makes several slow statements
can still take longer; after the first one runs out, the web app stops connecting for a
moment, so the next fails at once). Connecting is bounded by libpq's ``connect_timeout``
instead. It relies on psycopg running every wait through ``Connection.wait(gen, interval,
timeout)`` and raising ``errors._WaitTimeout`` (psycopg 3.3, pinned in
``pyproject.toml``); ``tests/traceability/test_deadline.py`` fails if a later psycopg stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from typing import Any, TypeVar

import psycopg
from psycopg import capabilities, errors
from psycopg.abc import PQGen

RV = TypeVar("RV")

_LIMIT: ContextVar[float | None] = ContextVar("ocop_database_wait_limit", default=None)
_INTERVAL = 0.1  # seconds between psycopg's checks for a signal, as its own default
# Seconds a cancel request may take after a wait ran out: a server that is up takes it in
# milliseconds; a stopped one never does, and this much is added to its first 503.
CANCEL_WAIT = 0.5


class NoAnswer(psycopg.OperationalError):
    """The server did not answer within the wait's limit; the connection is closed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer from the database within {seconds:g} s; connection closed")
        self.seconds = seconds


def limit_waits(seconds: float) -> Token[float | None]:
    """Limit each wait for the database in this thread (or task) to ``seconds`` until
    :func:`unlimit` is called with the returned token."""
    if not seconds > 0:
        raise ValueError(f"a wait limit must be a positive number of seconds, not {seconds!r}")
    return _LIMIT.set(float(seconds))


def unlimit(token: Token[float | None]) -> None:
    """End the limit that :func:`limit_waits` returned ``token`` for (the one before it holds)."""
    _LIMIT.reset(token)


def current_limit() -> float | None:
    """The limit on each wait in this thread (or task) now, in seconds; ``None``: no limit."""
    return _LIMIT.get()


@contextmanager
def waits_limited(seconds: float) -> Iterator[None]:
    """Each wait for the database inside the block lasts at most ``seconds``."""
    token = limit_waits(seconds)
    try:
        yield
    finally:
        unlimit(token)


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose waits for the server keep to the caller's limit."""

    def wait(self, gen: PQGen[RV], interval: float = _INTERVAL, timeout: float | None = None) -> RV:
        """Consume ``gen`` as psycopg does; returns what it returns.

        Raises :class:`NoAnswer` (the connection closed) when the limit set by
        :func:`limit_waits` runs out first, and psycopg's errors otherwise."""
        limit = _LIMIT.get()
        if limit is None or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval, timeout)  # the caller's own timeout comes first
        try:
            return super().wait(gen, interval, limit)
        except errors._WaitTimeout as e:
            self._cancel()
            self.pgconn.finish()  # mid-statement, the connection cannot be used again
            raise NoAnswer(limit) from e

    def _cancel(self) -> None:
        """Ask the server to end the statement that was not answered, waiting at most
        :data:`CANCEL_WAIT`.

        Why: closing the connection alone does not end it. A backend waiting for a lock does
        not look at its socket until it has the lock, so it keeps its connection slot and its
        place in the lock's queue: measured (PostgreSQL 15), five reads of a locked table that
        ran out of time left five backends waiting, one per read, until the lock ended. Under
        a lock held for minutes, the verify routes would fill ``max_connections``."""
        if not capabilities.has_cancel_safe():
            return  # libpq < 17: its cancel request blocks with no limit of its own
        # A server that does not take the request in time (its processes stopped) is left
        # to the closing that follows: a stopped backend ends at its next write.
        with suppress(psycopg.OperationalError):
            self.cancel_safe(timeout=CANCEL_WAIT)

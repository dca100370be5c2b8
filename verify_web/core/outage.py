"""While the database cannot be reached, every route that needs it answers 503 with
``Retry-After`` — a page in the visitor's language, JSON under ``/api/`` — instead of a 500
and a traceback per request.

The log gets one line when a worker process first meets the outage and one when the database
answers it again (with how long it lasted and how many requests got a 503), not one per
request. "Cannot be reached" is what the driver reports as an operational or interface error:
refused or lost connections, a server shutting down or starting, too many connections,
SQLite's file locked beyond its busy timeout. A transaction aborted for a concurrent one
(SQLSTATE 40001/40P01) is no outage: it also answers 503 with ``Retry-After``, logged alone.

A server that is up but does not answer a statement (a table locked by a migration, its
processes stuck) is an outage too once the request's wait limit runs out
(:mod:`traceability.deadline`, the limits in :mod:`verify_web.core.db`): the connection is
closed, the pool emptied, and requests stop connecting as below.

After a connection attempt fails (or a wait runs out), this process's requests make no other:
they answer the 503 at once, and one background thread tries every :data:`PAUSE_CONNECTING`
seconds to connect and run the verify read (for a label no one has) until it can; then
requests connect again. On PostgreSQL its read waits at most :data:`CHECK_WAIT` (for a
table's lock, :data:`CHECK_LOCK_WAIT_MS`; on SQLite, which takes no such limit, at most the
busy timeout, in this background thread), and a request's wait that runs out is cancelled on
the server (:mod:`traceability.deadline`), so a table locked for minutes costs each worker one
slow request and leaves no backend waiting behind it (measured with ``bench/bench_outage.py
--stuck locked``: before, 30 backends were left waiting after 35 s, one per request that ran
out, and the probe's requests waited 5 s once every few seconds).

A database host that never answers costs each attempt libpq's connect timeout (3 s,
:data:`traceability.db.NETWORK_TIMEOUTS`): with requests making the attempts (until
2026-12-02, one every 2 s) a worker spent 3 s of every 5 in one during a long outage, and one
503 in five waited that long (``bench/bench_outage.py``); five sync workers each attempting
in turn would answer fewer than two requests a second, and the routes that need no database
(the offline app, static files, the health check) would wait behind them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response
from flask_babel import gettext
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from traceability.db import connect_driver
from traceability.deadline import NoAnswer, waits_limited
from traceability.services import verify_read
from traceability.transactions import is_retryable
from verify_web import errors
from verify_web.core import forksafe
from verify_web.core.services import services

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a restart or failover takes about this long
_PROBE_EVERY = 1.0  # seconds between checks for the end of an outage, per process
PAUSE_CONNECTING = 2.0  # seconds between the background check's attempts
CHECK_WAIT = 2.0  # seconds the background check waits for its read's answer
# Milliseconds its read waits for a table's lock on PostgreSQL (then "lock timeout"): with the
# wait limit alone each worker's check sat in a long lock's queue 2 s of every 4, holding a
# connection (5 backends waiting at the lock's end for one host of 5 workers, measured).
CHECK_LOCK_WAIT_MS = 200


class Outage:
    """This process's view of the database: reachable, or unreachable since when."""

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.answered = 0
        self.probed = 0.0
        # Set when an attempt to reach the database failed (a connection attempt, or a wait for
        # its answer that ran out: traceability.deadline); cleared by the background check.
        self.unreachable = False
        self._engine = engine
        self._checker: tuple[int, threading.Thread] | None = None  # (process id, thread)
        self._odd = False  # the check met an error that is not an outage's (logged once)

    def connect(self, dialect: Dialect, record: Any, cargs: Any, cparams: Any) -> Any:
        """The engine's ``do_connect``: connect, unless the database could not be reached and
        the background check has not reached it since (the check's own attempts go through).
        Returns the driver's connection; raises the driver's ``OperationalError`` (which
        SQLAlchemy wraps as its own)."""
        if self.unreachable and not self._checking():
            self._check()  # still running, unless this process was forked since
            raise dialect.loaded_dbapi.OperationalError(
                f"not connecting: the database could not be reached; checked every {PAUSE_CONNECTING:g} s"
            )
        try:
            return connect_driver(dialect, record, cargs, cparams)
        except dialect.loaded_dbapi.OperationalError:
            if not self._checking():
                self.failed()
            raise

    def failed(self) -> None:
        """Note that the database could not be reached: requests stop connecting until the
        background check reaches it."""
        self.unreachable = True
        self._check()

    def _checking(self) -> bool:
        running = self._checker
        return running is not None and running[1] is threading.current_thread()

    def _check(self) -> None:
        with self.lock:
            running = self._checker
            if running is not None and running[0] == forksafe.pid() and running[1].is_alive():
                return
            thread = threading.Thread(target=self._until_reached, name="ocop-outage-check", daemon=True)
            self._checker = (forksafe.pid(), thread)
            thread.start()

    def _until_reached(self) -> None:
        try:
            while not self._reached():
                pass
        finally:
            # Reached, or the check itself broke (its traceback is logged by the thread):
            # either way requests try for themselves again rather than stay refused.
            self.unreachable = False

    def _reached(self) -> bool:
        """After a pause, whether a verification can be answered now: the verify read, for a
        label no one has, within :data:`CHECK_WAIT` (for a lock, :data:`CHECK_LOCK_WAIT_MS`). A
        server that takes connections but holds the verify tables locked (a migration, a
        restore) is still unreachable for the verify routes: with a bare connection as the
        check, each worker's next request waited its whole limit again, every
        :data:`PAUSE_CONNECTING` seconds, for as long as the lock lasted."""
        time.sleep(PAUSE_CONNECTING)
        try:
            with waits_limited(CHECK_WAIT), self._engine.connect() as connection:
                # The requests count the outage's errors; the check's would add one per worker
                # every few seconds to ocop_database_errors_total.
                checking = connection.execution_options(skip_user_error_events=True)
                try:
                    with checking.begin():
                        verify_read.probe(checking, lock_wait_ms=CHECK_LOCK_WAIT_MS)
                except SQLAlchemyError:
                    # Not back into the pool: a request would take it from there without
                    # connecting, past the refusal above, and wait behind the lock.
                    checking.invalidate()
                    raise
        except (OperationalError, InterfaceError):
            return False
        except SQLAlchemyError as e:
            # Not an outage's error (a table missing in the middle of a restore, say): still
            # no verification can be answered, so requests stay refused; said once a process.
            if not self._odd:
                self._odd = True
                log.warning("database check failed: %s; checking again", type(e).__name__)
            return False
        return True


def init_app(app: Flask) -> None:
    state = services(app).outage = Outage(services(app).engine)
    event.listen(services(app).engine, "do_connect", state.connect)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(InterfaceError, _unavailable)
    app.after_request(_maybe_ended)


def _unavailable(error: OperationalError | InterfaceError) -> errors.ErrorAnswer:
    cause = getattr(error, "orig", None) or error
    detail = (str(cause).strip().splitlines() or [""])[0]
    if is_retryable(error):
        log.warning("request aborted by a concurrent transaction (%s): %s", type(cause).__name__, detail)
    else:
        state: Outage = services().outage
        if isinstance(cause, NoAnswer):
            # A server that takes statements and does not answer: no new connection until the
            # background check makes one (the next requests answer at once), and none of the
            # pooled ones made to it is pinged again (each ping would wait its own limit).
            state.failed()
            services().engine.dispose()
        with state.lock:
            state.answered += 1
            first = state.since is None
            if first:
                state.since = state.probed = time.monotonic()
        if first:
            log.error(
                "database unavailable (%s: %s): answering 503 until it is back", type(cause).__name__, detail
            )
    message = gettext("Labels cannot be checked right now. Please try again in a few minutes.")
    return errors.answer(503, message, {"Retry-After": str(RETRY_AFTER)})


def _maybe_ended(response: Response) -> Response:
    if response.status_code < 500:
        succeeded()
    return response


def succeeded() -> None:
    """Call after a request that did not fail (Flask's hook, and the verify fast path of
    :mod:`verify_web.fastpath`): during an outage, ask the database (at most once a second)
    whether it is back, and log the end once."""
    state: Outage = services().outage
    if state.since is None:
        return
    now = time.monotonic()
    with state.lock:
        if state.since is None or now - state.probed < _PROBE_EVERY:
            return
        state.probed = now
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, InterfaceError):
        return  # still down; already logged
    with state.lock:
        since, answered, state.since, state.answered = state.since, state.answered, None, 0
    if since is not None:
        log.warning("database reachable again after %.1fs; %d requests answered 503", now - since, answered)

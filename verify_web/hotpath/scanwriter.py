"""Writes scan rows off the request path, in batches, with a bounded and counted loss.

A verification only puts its row on this process's queue (microseconds); one background
thread per worker process writes whatever has queued up in a single transaction. Under load
the batches grow, so the database sees a few short write transactions a second instead of
one per request — with SQLite that is the difference between workers queueing for the write
lock and not. On PostgreSQL the batch locks its labels in id order before inserting (see
:func:`traceability.services.scans.record_scans`): writers of several workers on the same
labels never deadlock. Measured on main before that (wrk, 64 connections, 1,203 labels):
153–180 deadlocks a minute, a backlog that grew for as long as the run lasted, 21–28 % of a
run's scans lost to one SIGKILL and 25–30 s shutdowns; after it, none (docs/performance.md).

What can be lost, and how much:

- **Database unreachable or refusing writes** (OperationalError, InterfaceError: down,
  restarting, locked, a deadlock or serialization abort): the batch is retried with back-off,
  logged once when the trouble starts and once when it ends. Rows keep queuing up to
  :data:`MAX_PENDING`; beyond that a scan is *shed* — counted, logged once per episode — so a
  verification never waits for the database.
- **A row the database rejects** (any other error, e.g. a label that no longer exists): the
  batch is split in halves until the row is alone, which is given up after :data:`MAX_TRIES`
  tries, logged and counted; the rest of the batch is written.
- **Graceful stop** (gunicorn's SIGTERM, restarts: ``atexit``): the queue is written, for at
  most :data:`DRAIN_SECONDS`; what is left then is counted and logged as abandoned, the
  batch in the thread's hands included when the thread is still waiting for the database
  (close() returns within :data:`DRAIN_SECONDS` + 1 s whatever the database does; a batch
  whose commit lands after that is counted lost although it was written). On PostgreSQL each
  statement of a batch waits at most :data:`WRITE_WAIT` for the server's answer
  (:mod:`traceability.deadline`), so the thread moves on from a server that stopped
  answering; its commit is not limited (see :meth:`ScanWriter._try`). On SQLite a write
  waits at most the busy timeout, :data:`traceability.db.SQLITE_BUSY_TIMEOUT`, for another
  process's write lock.
- **The process after the drain** (:func:`exit_worker`, gunicorn's ``worker_exit``): a worker
  that stops gracefully leaves with ``os._exit`` once its queue is written and its logs are
  flushed, skipping the interpreter's teardown. Measured under load (``bench/bench_writer.py
  --stop-under-load``, PostgreSQL, 64 connections, load average 10–13): the workers' drains
  were done 0.25–0.5 s after SIGTERM, but the processes then spent the rest of
  gunicorn's 10 s ``graceful_timeout`` freeing their heaps (py-spy: running, no Python frame)
  and were SIGKILLed, so the master took 10–13 s to stop.
- **SIGKILL**: the rows in memory — one batch, those that arrived in the last
  :data:`LINGER` (0.25 s) plus one write (a few ms to tens of ms), at most :data:`MAX_BATCH`
  scans while the database keeps up; during an outage, the queue (at most
  :data:`MAX_PENDING`).

On PostgreSQL a batch commits with ``synchronous_commit = local``: flushed to this server's
disk as always, but not waiting for a synchronous replica. With a replica listed in
``synchronous_standby_names`` (docs/scaling.md, step 2: revocations wait for it with
``remote_apply``) every other commit would wait for its flush too, and a replica that is down
would stop the scans; a scan's bound is this queue, not the replica.

The counters (:attr:`ScanWriter.written`, :attr:`ScanWriter.shed`, :attr:`ScanWriter.rejected`,
:attr:`ScanWriter.abandoned`, :meth:`ScanWriter.depth`) are plain attributes for metrics.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from traceability.deadline import waits_limited
from traceability.services import scans
from verify_web.core import forksafe, metrics
from verify_web.core.services import services

log = logging.getLogger(__name__)

MAX_BATCH = 1000
MAX_PENDING = 20_000
MAX_TRIES = 3
DRAIN_SECONDS = 4.0  # under gunicorn's graceful_timeout, so the drain is never cut short
# Seconds each of a batch's statements may wait for the server's answer (see ScanWriter._try):
# well above a batch's own time (tens of ms) and a range revocation's hold on its labels' rows
# (seconds), so that only a server that stopped answering ends a try.
WRITE_WAIT = 10.0
# Group commit: after the first row arrives, wait this long for more before writing. One
# transaction per burst instead of one per scan keeps the writer from taking the GIL (and
# SQLite's write lock) away from requests; a scan shows in the history this much later.
LINGER = 0.25
_MAX_DELAY = 1.0
# The database could not take the batch (unreachable, locked, aborted it): the rows are fine.
_TRANSIENT = (OperationalError, InterfaceError)
_LOCAL_COMMIT = text("SET LOCAL synchronous_commit = local")
_STOP = object()

Row = dict[str, Any]


@dataclass(eq=False)
class _Run:
    """One writer thread's own state. A thread that close() gave up on keeps its own: a later
    thread (after the next submit) has a new queue and starts with nothing given up."""

    queue: queue.Queue[Any] = field(default_factory=queue.Queue)
    deadline: float | None = None  # set by close(): write until then, then give up
    in_hand: int = 0  # rows of the batch being written, not yet counted as anything
    given_up: bool = False  # close() counted what the thread held: it counts nothing more

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


class ScanWriter:
    """The per-process scan queue and its writer thread (started lazily, again after a fork)."""

    def __init__(self, engine: Engine, *, max_pending: int = MAX_PENDING) -> None:
        self._engine = engine
        self._local_commit = engine.dialect.name == "postgresql"  # see the module docstring
        self._max_pending = max_pending
        self._guard = threading.Lock()  # the counters, and each run's in_hand and given_up
        self._pid: int | None = None
        self._run_state = _Run()
        self._thread: threading.Thread | None = None
        self._failing_since: float | None = None
        self._shedding = False
        self.written = 0  # rows committed
        self.shed = 0  # rows refused because the queue was full
        self.rejected = 0  # rows given up after MAX_TRIES rejections
        self.abandoned = 0  # rows still unwritten when close() ran out of time

    @property
    def dropped(self) -> int:
        """Rows that will never be written, for any reason."""
        return self.shed + self.rejected + self.abandoned

    def depth(self) -> int:
        """Rows waiting in the queue (not counting the batch being written)."""
        return self._run_state.queue.qsize()

    def submit(self, row: Row) -> None:
        """Queue a row from :func:`traceability.services.scans.scan_row`. Never blocks: with
        :data:`MAX_PENDING` rows already waiting the row is shed and counted."""
        pending = self._started()
        if pending.qsize() < self._max_pending:
            pending.put(row)
            return
        with self._guard:
            self.shed += 1
            metrics.scans_dropped(1)
            if not self._shedding:
                self._shedding = True
                log.error(
                    "scan queue full (%d rows): shedding scans until the writer catches up", self._max_pending
                )

    def flush(self) -> None:
        """Return once every row queued so far is written or given up (tests use it)."""
        if self._pid == forksafe.pid():
            self._run_state.queue.join()

    def close(self) -> None:
        """Write what is queued, for at most :data:`DRAIN_SECONDS`, and stop the thread."""
        if self._pid != forksafe.pid() or self._thread is None:
            return
        run, before = self._run_state, self.abandoned
        run.deadline = time.monotonic() + DRAIN_SECONDS
        run.queue.put(_STOP)
        self._thread.join(timeout=DRAIN_SECONDS + 1)
        if self._thread.is_alive():
            # Still waiting for the database (a try on a server that stopped answering is a
            # pool ping, a connection attempt, the statements and the commit): the process
            # ends now, so the thread's batch and the queue are counted as abandoned, and the
            # thread counts nothing more. A commit that still lands later is counted lost.
            with run.queue.mutex:
                queued = sum(item is not _STOP for item in run.queue.queue)
            with self._guard:
                self._count_abandoned(run, run.in_hand + queued)
                run.given_up = True
        left = self.abandoned - before
        if left:
            log.error("scan writer stopped: %d scans not written within %.0fs", left, DRAIN_SECONDS)
        self._pid = self._thread = None  # a later submit starts a new thread, with a new run

    def _started(self) -> queue.Queue[Any]:
        pid = forksafe.pid()
        if self._pid != pid:
            with self._guard:
                if self._pid != pid:
                    # A forked worker inherits neither the thread nor the parent's rows.
                    run = self._run_state = _Run()
                    self._thread = threading.Thread(
                        target=self._run, args=(run,), name="scan-writer", daemon=True
                    )
                    self._thread.start()
                    atexit.register(self.close)
                    self._pid = pid
        return self._run_state.queue

    def _run(self, run: _Run) -> None:
        stop = False
        while not stop:
            batch = [run.queue.get()]
            if batch[0] is not _STOP and run.deadline is None:
                # Sleep rather than wait on the queue: a waiting thread is woken by every put
                # and takes the GIL from the request thread once per row.
                time.sleep(LINGER)
            while len(batch) < MAX_BATCH and batch[-1] is not _STOP:
                try:
                    batch.append(run.queue.get_nowait())
                except queue.Empty:
                    break
            stop = batch[-1] is _STOP
            rows = [item for item in batch if item is not _STOP]
            metrics.scan_queue(len(rows) + run.queue.qsize())
            with self._guard:
                run.in_hand = len(rows)
            if run.out_of_time():
                self._abandon(run, len(rows))
            else:
                self._write(run, rows)
            for _ in batch:
                run.queue.task_done()
            metrics.scan_queue(run.queue.qsize())

    def _write(self, run: _Run, rows: list[Row]) -> None:
        """Write ``rows``: retried while the database cannot take them, split to isolate a row
        it rejects (given up after MAX_TRIES), abandoned once close() runs out of time."""
        parts: list[tuple[list[Row], int]] = [(rows, 1)] if rows else []
        delay = 0.05
        while parts and not run.given_up:
            part, tries = parts.pop()
            try:
                self._try(part)
            except _TRANSIENT as e:
                if run.out_of_time():
                    self._abandon(run, len(part) + sum(len(p) for p, _ in parts))
                    return
                self._failing(e)
                parts.append((part, tries))
                time.sleep(delay)
                delay = min(delay * 2, _MAX_DELAY)
                continue
            except SQLAlchemyError as e:
                parts.extend(self._split(run, part, tries, e))
                continue
            with self._guard:
                if not run.given_up:
                    self.written += len(part)
                    run.in_hand -= len(part)
                    metrics.scans_written(len(part))
            self._recovered()

    def _try(self, part: list[Row]) -> None:
        """One transaction for ``part``. Its statements wait at most :data:`WRITE_WAIT` each
        for the server's answer (:mod:`traceability.deadline`): on a server that takes them
        and does not answer (its processes stopped, a table locked, a host replaced by a
        standby) the try ends, is cancelled on the server, and is retried on a new connection;
        before, the thread waited for as long as the server did. The commit is not limited: a
        commit the client stopped waiting for may still land, and the retry would write the
        batch twice."""
        # The limit is the last context: it ends before session.begin()'s exit commits.
        with Session(self._engine) as session, session.begin(), waits_limited(WRITE_WAIT):
            if self._local_commit:
                session.execute(_LOCAL_COMMIT)
            scans.record_scans(session, part)

    def _split(
        self, run: _Run, part: list[Row], tries: int, error: SQLAlchemyError
    ) -> list[tuple[list[Row], int]]:
        """The pieces to try next after the database rejected ``part``: its halves, the same
        lone row once more, or nothing (the row is given up)."""
        if len(part) > 1:
            half = len(part) // 2
            return [(part[half:], 1), (part[:half], 1)]
        if tries < MAX_TRIES:
            return [(part, tries + 1)]
        row = part[0]
        with self._guard:
            if not run.given_up:
                self.rejected += 1
                run.in_hand -= 1
                metrics.scans_dropped(1)
        log.error(
            "scan row given up after %d tries (label %s, serial %s): %s",
            tries,
            row.get("label_id"),
            row.get("serial"),
            type(getattr(error, "orig", None) or error).__name__,
        )
        return []

    def _abandon(self, run: _Run, count: int) -> None:
        with self._guard:
            if not run.given_up:
                self._count_abandoned(run, count)

    def _count_abandoned(self, run: _Run, count: int) -> None:
        """Under the guard: ``count`` of ``run``'s rows will never be written (logged by close())."""
        self.abandoned += count
        run.in_hand = max(0, run.in_hand - count)
        metrics.scans_dropped(count)

    def _failing(self, error: SQLAlchemyError) -> None:
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            cause = getattr(error, "orig", None) or error
            detail = (str(cause).strip().splitlines() or [""])[0]
            log.error(
                "scan writer: database unavailable (%s: %s); holding scans", type(cause).__name__, detail
            )

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.warning(
                "scan writer: database back after %.1fs; %d scans waiting",
                time.monotonic() - self._failing_since,
                self.depth(),
            )
            self._failing_since = None
        if self._shedding and self.depth() < self._max_pending:
            with self._guard:
                self._shedding = False
            log.warning("scan queue below its bound again; %d scans shed so far", self.shed)


def exit_worker(app: Flask) -> NoReturn:
    """End a worker process that is stopping gracefully: write ``app``'s queued scans (for at
    most :data:`DRAIN_SECONDS`, :meth:`ScanWriter.close`), close the pooled database
    connections, flush the logs, and leave at once with status 0. Never returns."""
    running = services(app)
    if running.scan_writer is not None:
        running.scan_writer.close()
    running.engine.dispose()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the queue is written and the logs flushed: nothing is left to tear down

"""Writes scan rows off the request path, in batches, without ever dropping one.

A verification only puts its row on this process's queue (microseconds); one background
thread per worker process writes whatever has queued up in a single transaction. Under load
the batches grow, so the database sees a few short write transactions a second instead of
one per request — with SQLite that is the difference between workers queueing for the write
lock and not.

Nothing is dropped: a full queue makes the request wait (back-pressure) rather than discard a
row; a failed write is retried until it succeeds; the queue is drained when the worker exits
normally (gunicorn's graceful stop and restarts run ``atexit``). A worker killed with SIGKILL
loses the rows of at most one batch interval — the one trade made for speed.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from traceability.services import scans

from . import forksafe, metrics

log = logging.getLogger(__name__)

MAX_BATCH = 1000
MAX_PENDING = 20_000
# Group commit: after the first row arrives, wait this long for more before writing. One
# transaction per burst instead of one per scan keeps the writer from taking the GIL (and
# SQLite's write lock) away from requests; a scan shows in the history this much later.
LINGER = 0.25
_STOP = object()


class ScanWriter:
    """The per-process scan queue and its writer thread (started lazily, again after a fork)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._guard = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue[Any] = queue.Queue(MAX_PENDING)
        self._thread: threading.Thread | None = None

    def submit(self, row: dict[str, Any]) -> None:
        """Queue a row from :func:`traceability.services.scans.scan_row`; blocks if full."""
        self._started().put(row)

    def flush(self) -> None:
        """Return once every row queued so far is committed (tests and shutdown use it)."""
        if self._pid == forksafe.pid():
            self._queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._pid != forksafe.pid() or self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout=60)
        self._pid = self._thread = None  # a later submit starts a new thread

    def _started(self) -> queue.Queue[Any]:
        pid = forksafe.pid()
        if self._pid != pid:
            with self._guard:
                if self._pid != pid:
                    # A forked worker inherits neither the thread nor the parent's rows.
                    self._queue = queue.Queue(MAX_PENDING)
                    self._thread = threading.Thread(target=self._run, name="scan-writer", daemon=True)
                    self._thread.start()
                    atexit.register(self.close)
                    self._pid = pid
        return self._queue

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            if batch[0] is not _STOP:
                # Sleep rather than wait on the queue: a waiting thread is woken by every put
                # and takes the GIL from the request thread once per row.
                time.sleep(LINGER)
            while len(batch) < MAX_BATCH and batch[-1] is not _STOP:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            metrics.scan_queue(len(batch) + self._queue.qsize())
            self._write([item for item in batch if item is not _STOP])
            for _ in batch:
                self._queue.task_done()
            metrics.scan_queue(self._queue.qsize())

    def _write(self, rows: list[dict[str, Any]]) -> None:
        delay = 0.05
        while rows:
            try:
                with Session(self._engine) as session, session.begin():
                    scans.record_scans(session, rows)
                metrics.scans_written(len(rows))
                return
            except SQLAlchemyError as e:
                # Retried, never dropped: a locked or restarting database is a pause, not a loss.
                log.warning("writing %d scans failed, retrying in %.2fs: %s", len(rows), delay, e)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

"""The background scan writer: nothing lost from many threads at once; a rejected row given
up alone; an unreachable database shed from, never waited for; bounded drain and kill loss."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from traceability import deadline, make_engine
from traceability.services import label_scans, scans
from verify_web.core.services import services
from verify_web.hotpath.scan_recorder import writer
from verify_web.hotpath.scanwriter import (
    DRAIN_SECONDS,
    MAX_BATCH,
    MAX_TRIES,
    WRITE_WAIT,
    ScanWriter,
    exit_worker,
)

DEAD_URL = "postgresql://nobody@127.0.0.1:1/none"


def test_concurrent_scans_all_written(app: Flask, codes: Codes, app_session: Session) -> None:
    label = codes.genuine_label
    writer = ScanWriter(services(app).engine)

    def burst(n: int) -> None:
        for i in range(250):
            writer.submit(
                scans.scan_row(
                    serial=label.serial,
                    label_id=label.id,
                    verdict="genuine",
                    channel="api",
                    area=None,
                    device=None,
                    source_hash=f"t{n}-{i % 3}",
                )
            )

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()  # drains the queue
    assert scans.count_scans(app_session, label_id=label.id) == 2000
    history = label_scans.scan_history(app_session, label.id)
    assert history.count == 2000  # the label counter agrees with the rows


def _row(label_id: int | None, n: int = 0) -> dict[str, object]:
    return scans.scan_row(
        serial=None,
        label_id=label_id,
        verdict="genuine",
        channel="api",
        area=None,
        device=None,
        source_hash=f"s{n % 7}",
    )


def test_statements_wait_within_a_limit_but_the_commit_does_not(app: Flask, codes: Codes) -> None:
    """A commit the writer stopped waiting for may still land on the server, and the batch's
    retry would then write it twice; a statement that ran out is never committed."""
    engine = services(app).engine
    seen: dict[str, float | None] = {}

    def before_execute(*_args: object) -> None:
        seen.setdefault("statement", deadline.current_limit())

    def before_commit(_connection: object) -> None:
        seen["commit"] = deadline.current_limit()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", before_commit)
    try:
        writer = ScanWriter(engine)
        writer.submit(_row(codes.genuine_label.id))
        writer.close()
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)
        event.remove(engine, "commit", before_commit)
    assert writer.written == 1
    assert seen == {"statement": WRITE_WAIT, "commit": None}


def test_a_rejected_row_is_given_up_and_the_others_written(
    app: Flask, codes: Codes, app_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """One row naming a label that does not exist (its foreign key fails) among 300: the batch
    is split until that row is alone, it is given up after MAX_TRIES with one log line, and
    the other 299 are written."""
    writer = ScanWriter(services(app).engine)
    label = codes.genuine_label
    for n in range(300):
        writer.submit(_row(10**9 if n == 137 else label.id, n))
    writer.close()
    assert scans.count_scans(app_session, label_id=label.id) == 299
    assert label_scans.scan_history(app_session, label.id).count == 299
    assert (writer.written, writer.rejected, writer.dropped) == (299, 1, 1)
    given_up = [r for r in caplog.records if "given up" in r.getMessage()]
    assert len(given_up) == 1 and f"after {MAX_TRIES} tries" in given_up[0].getMessage()


def test_unreachable_database_sheds_without_blocking_and_stops_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With nothing listening on the database's port, the writer holds its batch and the
    queue fills to its bound; further scans are shed (counted, one log line) and submit never
    waits; close() gives up within DRAIN_SECONDS and counts what it abandoned."""
    engine = make_engine(DEAD_URL)
    writer = ScanWriter(engine, max_pending=50)
    for n in range(40):
        writer.submit(_row(None, n))
    deadline = time.monotonic() + 10
    while writer.depth() and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer took the 40 into its batch and fails to write them
    started = time.monotonic()
    for n in range(80):
        writer.submit(_row(None, n))
    assert time.monotonic() - started < 0.1
    assert (writer.depth(), writer.shed) == (50, 30)
    started = time.monotonic()
    writer.close()
    assert time.monotonic() - started < DRAIN_SECONDS + 1
    assert (writer.written, writer.abandoned, writer.dropped) == (0, 90, 120)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("database unavailable" in m for m in messages) == 1  # not one per retry
    assert sum("shedding scans" in m for m in messages) == 1
    assert any("90 scans not written" in m for m in messages)
    engine.dispose()


def test_close_drains_a_full_backlog_quickly(app: Flask, codes: Codes, app_session: Session) -> None:
    """5,000 queued scans for one label are written by close() within DRAIN_SECONDS."""
    writer = ScanWriter(services(app).engine)
    for n in range(5000):
        writer.submit(_row(codes.genuine_label.id, n))
    started = time.monotonic()
    writer.close()
    assert time.monotonic() - started < DRAIN_SECONDS
    assert writer.written == scans.count_scans(app_session, label_id=codes.genuine_label.id) == 5000
    assert writer.dropped == 0


_CHILD = """
import sys, time
from traceability import deadline, make_engine
from traceability.services import scans
from verify_web.hotpath.scanwriter import ScanWriter
writer = ScanWriter(make_engine(sys.argv[1]))
n = 0
while True:
    for _ in range(20):
        writer.submit(scans.scan_row(serial=None, label_id=int(sys.argv[2]), verdict="genuine",
                                     channel="api", area=None, device=None, source_hash=str(n % 9)))
        n += 1
    print(n, flush=True)
    time.sleep(0.01)
"""


def test_sigkill_loses_at_most_one_batch(app: Flask, codes: Codes, app_session: Session) -> None:
    """A process submitting up to 2,000 scans a second is killed with SIGKILL: what it had reported
    submitted but was not committed is at most one batch (MAX_BATCH scans)."""
    url = services(app).engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, str(codes.genuine_label.id)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    assert child.stdout is not None
    submitted = int(child.stdout.readline())  # started
    started = time.monotonic()
    while time.monotonic() - started < 2:
        submitted = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    recorded = scans.count_scans(app_session, label_id=codes.genuine_label.id)
    assert submitted > 1000  # it ran under load
    assert 0 <= submitted - recorded <= MAX_BATCH


def test_exit_worker_writes_the_queue_then_ends_the_process(
    app: Flask, codes: Codes, app_session: Session
) -> None:
    """What gunicorn.conf.py's worker_exit does in a gracefully stopping worker, in a fork."""
    label = codes.genuine_label
    before = scans.count_scans(app_session, label_id=label.id)
    services(app).engine.dispose()  # the child opens its own connections
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns to pytest
        try:
            queued = writer(app)
            for n in range(300):
                queued.submit(_row(label.id, n))
            exit_worker(app)
        finally:
            os._exit(3)  # reached only if exit_worker returned or raised
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    app_session.expire_all()
    assert scans.count_scans(app_session, label_id=label.id) == before + 300

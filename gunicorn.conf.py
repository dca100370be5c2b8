"""gunicorn settings for the verify site: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Sync workers, the usual two per core plus one: a verification is short and CPU-bound, and a
spare worker keeps answering while another is briefly busy (writing its batch of scan rows,
or descheduled). ``WEB_CONCURRENCY`` overrides the count. ``make run`` and
``bench/bench_verify.py`` use this file, so the benchmark measures the shipped settings.
"""

from __future__ import annotations

import os

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_given = os.environ.get("WEB_CONCURRENCY", "").strip()
if _given and not (_given.isascii() and _given.isdigit() and 0 < int(_given) <= 64):
    raise SystemExit(f"Error: WEB_CONCURRENCY must be a whole number from 1 to 64, not {_given!r}")

workers = int(_given) if _given else 2 * _cores + 1
worker_class = "sync"
# A scan is answered in milliseconds; a request still running after this is stuck.
timeout = 30
# A stopping worker writes its queued scan rows for at most verify_web.hotpath.scanwriter.DRAIN_SECONDS
# (4 s); this leaves room for a request in flight, and stops a stuck worker well before 30 s.
graceful_timeout = 10
# gunicorn 25+ opens a control socket at one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl), so two masters on a host unlink each other's. Nothing here uses
# gunicornc; the master is driven by signals (HUP, TERM, TTIN/TTOU).
control_socket_disable = True

# Operations (see verify_web/core/metrics.py and verify_web/core/logs.py): JSON log lines, and
# one owner-only Prometheus folder per master, made before any worker imports prometheus_client
# (which reads PROMETHEUS_MULTIPROC_DIR at import) and removed when the master exits.
logger_class = "verify_web.core.logs.GunicornLogger"


def on_starting(server):  # type: ignore[no-untyped-def]
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ocop-metrics-")  # mode 700


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    # The app is loaded: its modules, templates and catalogues live as long as the worker, so
    # they go to the collector's permanent generation instead of being traversed by every full
    # collection. Measured in process (20,000 cold JSON verifications on PostgreSQL, gc.callbacks):
    # the collector's time 16-19 -> 4-6 us a request, 226,000 -> 61,000 objects tracked.
    import gc

    gc.freeze()


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    # In the stopping worker. A graceful stop (SIGTERM, SIGQUIT, a restart) writes the queued
    # scans and leaves without the interpreter's teardown, which under load took longer than
    # graceful_timeout (verify_web/hotpath/scanwriter.py). Any other exit (a boot error, a crash) keeps
    # gunicorn's own path and exit status.
    import sys

    ended = sys.exc_info()[1]
    app = getattr(worker, "wsgi", None)
    if (
        worker.booted
        and isinstance(ended, SystemExit)
        and ended.code in (0, None)
        and hasattr(app, "extensions")
    ):
        from verify_web.hotpath.scanwriter import exit_worker

        exit_worker(app)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges go; its counters still count


def on_exit(server):  # type: ignore[no-untyped-def]
    import shutil

    folder = os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)

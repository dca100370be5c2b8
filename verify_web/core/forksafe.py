"""This process's id, read without a system call.

Per-process state (the scan writer's thread, the read connection) is checked against the
process id on every scan, so that a forked gunicorn worker starts its own. glibc no longer
caches ``getpid()``, so the id is kept here and renewed by a fork hook instead.
"""

from __future__ import annotations

import os

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def pid() -> int:
    """Return the current process id."""
    return _pid

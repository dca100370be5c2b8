"""gunicorn.conf.py: the worker count, and WEB_CONCURRENCY refused with one line unless it is
a whole number from 1 to 64; the graceful timeout; waits for the database shorter than the
worker timeout; no shared control socket."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def settings(monkeypatch: pytest.MonkeyPatch, given: str | None) -> dict[str, Any]:
    """Run the file as gunicorn does, with WEB_CONCURRENCY set to ``given`` (or unset)."""
    if given is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", given)
    return runpy.run_path(str(CONF))


def test_default_is_two_per_core_plus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for given in (None, "", "   "):
        conf = settings(monkeypatch, given)
        assert conf["workers"] == 2 * cores + 1
        assert conf["worker_class"] == "sync" and conf["timeout"] == 30


def test_default_follows_the_cores_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this platform")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert settings(monkeypatch, None)["workers"] == 7


@pytest.mark.parametrize(("given", "workers"), [("1", 1), (" 3 ", 3), ("03", 3), ("64", 64)])
def test_web_concurrency_sets_workers(monkeypatch: pytest.MonkeyPatch, given: str, workers: int) -> None:
    assert settings(monkeypatch, given)["workers"] == workers


@pytest.mark.parametrize("given", ["abc", "0", "65", "-1", "+3", "2.5", "1e3", "3 4", "1_0"])
def test_bad_web_concurrency_is_one_line_error(monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    with pytest.raises(SystemExit) as raised:
        settings(monkeypatch, given)
    message = raised.value.code
    assert isinstance(message, str)  # a string exit code: printed to stderr, status 1
    assert message.startswith("Error: WEB_CONCURRENCY must be a whole number from 1 to 64")
    assert repr(given.strip()) in message and "\n" not in message


def test_superscript_digit_is_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match=r"^Error: WEB_CONCURRENCY"):
        settings(monkeypatch, "²")


def test_graceful_timeout_outlasts_the_scan_writer_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    from verify_web.hotpath.scanwriter import DRAIN_SECONDS

    conf = settings(monkeypatch, None)
    assert DRAIN_SECONDS + 2 <= conf["graceful_timeout"] <= 10


def test_a_request_waits_for_the_database_less_than_the_worker_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request on a server that does not answer ends with the outage's 503 before gunicorn
    would kill its worker (and the worker's queued scans with it)."""
    from traceability.db import NETWORK_TIMEOUTS, SQLITE_BUSY_TIMEOUT
    from traceability.deadline import CANCEL_WAIT
    from verify_web.core.db import REQUEST_WAIT, VERIFY_WAIT

    conf = settings(monkeypatch, None)
    connect = NETWORK_TIMEOUTS["connect_timeout"]
    assert VERIFY_WAIT + CANCEL_WAIT + connect < REQUEST_WAIT
    # The longest a staff request waits for a server that stopped answering: its limit, the
    # cancel request, and one connection attempt after it (the next waits are refused).
    assert REQUEST_WAIT + CANCEL_WAIT + connect < conf["timeout"]
    assert conf["timeout"] > SQLITE_BUSY_TIMEOUT  # SQLite's wait for another's write lock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_control_socket_shared_between_masters(tmp_path: Path) -> None:
    """Two gunicorn masters from this file run side by side, and neither creates the per-user
    control socket (~/.gunicorn/gunicorn.ctl) that gunicorn 27 would otherwise share."""
    (tmp_path / "hello.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "WEB_CONCURRENCY": "1"}
    env.pop("XDG_RUNTIME_DIR", None)
    ports = [_free_port(), _free_port()]
    masters = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(CONF),
                "--pythonpath",
                str(tmp_path),
                "-b",
                f"127.0.0.1:{port}",
                "hello:app",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                        assert answer.read() == b"ok"
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
        time.sleep(2)  # the master opens its control socket just after it starts serving
        assert all(master.poll() is None for master in masters)
        assert not (home / ".gunicorn").exists()
    finally:
        for master in masters:
            master.terminate()
            master.wait(timeout=30)

"""Operations under real gunicorn with ``gunicorn.conf.py``: JSON log lines carrying the
request id, metrics merged over every worker, the metrics folder owner-only and cleaned up."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.support.codes import Codes
from tests.support.constants import BASE_URL, PASSPHRASE, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-metrics-token-for-tests-" + "g" * 20


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]
    tmpdir: Path
    stdout: Path
    stderr: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def metric(self, line_start: str) -> float:
        _status, _headers, body = self.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})
        found = [line for line in body.splitlines() if line.startswith(line_start + " ")]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    def workers(self) -> list[int]:
        pid = self.process.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(app: Flask, codes: Codes, tmp_path: Path) -> Iterator[Served]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["DATABASE_URL"].render_as_string(hide_password=False),
        OCOP_SECRET_KEY=TEST_SECRET,
        OCOP_KEY_PASSPHRASE=PASSPHRASE,
        OCOP_KEYS_DIR=str(app.config["OCOP_KEYS_DIR"]),
        OCOP_BASE_URL=BASE_URL,
        OCOP_METRICS_TOKEN=TOKEN,
        WEB_CONCURRENCY="2",
        TMPDIR=str(tmp_path / "tmp"),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    (tmp_path / "tmp").mkdir()
    port = free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile",
                "-",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    server = Served(f"http://127.0.0.1:{port}", process, tmp_path / "tmp", out, err)
    for _ in range(200):
        try:
            if server.get("/ping")[0] == 200 and len(server.workers()) == 2:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {err.read_text()[-2000:]}")
    yield server
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def json_lines(path: Path) -> list[dict[str, object]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is JSON, or this fails


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_request_id_in_json_access_log_and_header(served: Served, codes: Codes) -> None:
    digits = Codes.path(codes.genuine)[3:]
    status, headers, _ = served.get(f"/api/v1/verify/{digits}", {"X-Request-ID": "proxy-7f3a.1:2"})
    assert status == 200 and headers["X-Request-ID"] == "proxy-7f3a.1:2"
    status, headers, _ = served.get("/ping", {"X-Request-ID": "bad id\twith <junk>"})
    generated = headers["X-Request-ID"]
    assert status == 200 and len(generated) == 32 and int(generated, 16) >= 0
    served.process.terminate()
    served.process.wait(timeout=30)
    access = [e for e in json_lines(served.stdout) if e["logger"] == "gunicorn.access"]
    by_id = {e["request_id"]: e for e in access}
    verify = by_id["proxy-7f3a.1:2"]
    assert verify["path"] == f"/api/v1/verify/{digits}" and verify["status"] == "200"
    assert verify["method"] == "GET" and float(str(verify["duration_ms"])) > 0
    assert by_id[generated]["path"] == "/ping"
    # gunicorn's own messages (booting, shutting down) are JSON lines too.
    errors = json_lines(served.stderr)
    assert any("Booting worker" in str(e["message"]) for e in errors)
    assert all({"time", "level", "logger", "message", "pid"} <= e.keys() for e in errors)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_metrics_merged_over_workers_and_folder_owner_only(served: Served, codes: Codes) -> None:
    (folder,) = served.tmpdir.glob("ocop-metrics-*")
    assert folder.stat().st_mode & 0o777 == 0o700
    assert served.get("/metrics")[0] == 401
    digits = Codes.path(codes.genuine)[3:]
    for _ in range(40):  # new connections: both workers answer some
        assert served.get(f"/api/v1/verify/{digits}")[0] == 200
    series = 'ocop_verifications_total{channel="api",verdict="genuine"}'
    assert served.metric(series) == 40
    written = "ocop_scans_written_total"
    deadline = time.monotonic() + 10
    while served.metric(written) < 40 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert served.metric(written) == 40
    route = 'ocop_request_seconds_count{route="/api/v1/verify/<path:code>",status="2xx"}'
    assert served.metric(route) == 40
    assert {p.name.split("_")[0] for p in folder.glob("*.db")} >= {"counter", "histogram", "gauge"}
    # A worker that dies takes its live gauge with it; its counters still count.
    victim = served.workers()[0]
    assert (folder / f"gauge_livesum_{victim}.db").exists()
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (folder / f"gauge_livesum_{victim}.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (folder / f"gauge_livesum_{victim}.db").exists()
    assert served.metric(series) == 40
    served.process.terminate()
    served.process.wait(timeout=30)
    assert not folder.exists()

"""gunicorn.conf.py: the worker count, and WEB_CONCURRENCY refused with one line unless it is
a whole number from 1 to 64."""

from __future__ import annotations

import os
import runpy
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

"""The progress bar of long runs, and ``--quiet``."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from tests.support.cli import run_issue
from tests.support.factories import World


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_progress_bar_unless_quiet(runner: FlaskCliRunner, world: World, tmp_path: Path) -> None:
    code, output = run_issue(
        runner,
        world,
        "--count",
        250,
        "--out",
        tmp_path / "a.csv",
    )
    assert code == 0, output
    assert "Issuing" in output
    code, output = run_issue(
        runner,
        world,
        "--count",
        5,
        "--out",
        tmp_path / "b.csv",
        "--quiet",
    )
    assert code == 0 and "Issuing" not in output

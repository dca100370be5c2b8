"""``ocop issue`` killed with SIGKILL at each stage (issue 9, point 7), on SQLite and
PostgreSQL: afterwards there is no file, or files whose every label verifies genuine — never a
file of labels the registry does not know. The kill comes from the command itself at a named
stage (``OCOP_TEST_KILL_AT``, see :func:`verify_web.cli.common.fault_point`), so each stage is
hit exactly, every run."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.support.cli import assert_genuine, label_count, no_files
from tests.support.constants import BASE_URL, PASSPHRASE
from tests.support.factories import World
from usecases.issuance import BATCH

COUNT = BATCH + 200  # two batches, so "writing" falls after one was recorded
STAGES = {
    # stage: (labels recorded afterwards, files left)
    "writing": (0, []),
    "rendered": (0, []),
    "committed": (COUNT, []),
    "published": (COUNT, ["lot.csv", "lot.pdf"]),
}


def ocop_issue(
    app: Flask, db_url: str, world: World, out_dir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a real ``ocop issue`` process writing lot.pdf with a lot.csv manifest."""
    full_env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "OCOP_KEYS_DIR": str(app.config["OCOP_KEYS_DIR"]),
        "OCOP_BASE_URL": BASE_URL,
        "OCOP_KEY_PASSPHRASE": PASSPHRASE,
        "OCOP_INSTANCE": str(out_dir.parent / "inst"),
        **env,
    }
    command = [
        str(Path(sys.executable).parent / "ocop"),
        "issue",
        "--product",
        str(world.product.id),
        "--lot",
        world.lot.code,
        "--count",
        str(COUNT),
        "--out",
        str(out_dir / "lot.pdf"),
        "--manifest",
        str(out_dir / "lot.csv"),
        "--quiet",
    ]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_kill_at_any_stage_leaves_no_unknown_labels(
    app: Flask, db_url: str, app_session: Session, world: World, tmp_path: Path, stage: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = ocop_issue(app, db_url, world, out_dir, {"OCOP_TEST_KILL_AT": stage})
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)
    recorded, files = STAGES[stage]
    assert label_count(app_session) == recorded
    assert no_files(out_dir) == files  # nothing else either: no half file, no hidden temporary
    if files:
        rows = list(csv.DictReader((out_dir / "lot.csv").open(encoding="utf-8")))
        assert len(rows) == COUNT
        assert_genuine(app, app_session, [r["qr_text"] for r in rows])
        pdf = (out_dir / "lot.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


def test_the_fault_point_is_inert_without_the_variable(
    app: Flask, db_url: str, app_session: Session, world: World, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = ocop_issue(app, db_url, world, out_dir, {"OCOP_TEST_KILL_AT": "no-such-stage"})
    assert result.returncode == 0, result.stderr
    assert no_files(out_dir) == ["lot.csv", "lot.pdf"]
    assert label_count(app_session) == COUNT

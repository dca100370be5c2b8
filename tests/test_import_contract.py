"""The package directions of README "What is where" hold, and a forbidden import breaks them.

``lint-imports`` (import-linter, contract in ``pyproject.toml``) runs on the tree itself and on a
copy of it with one forbidden import added, so the contract is shown to catch what it forbids.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("keys", "labels", "traceability", "usecases", "verify_web")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def copy_tree(target: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_tree_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "6 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("traceability/enums.py", "import labels.payload", "traceability imports nothing of ours"),
        ("labels/payload.py", "import sqlalchemy", "labels is pure: no database, no web"),
        ("labels/payload.py", "import usecases.verify", "Layers: verify_web on usecases"),
        ("keys/exc.py", "import traceability.enums", "Layers: verify_web on usecases"),
        ("usecases/claims.py", "import verify_web.core.db", "Layers: verify_web on usecases"),
        ("verify_web/core/bounds.py", "import verify_web.public.scan", "verify_web by audience"),
        ("verify_web/cli/dbcmd.py", "from verify_web import create_app", "The command's groups do not build"),
    ],
)
def test_a_forbidden_import_fails_the_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    tree = copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith(" BROKEN")]
    assert len(broken) >= 1 and any(row.startswith(contract) for row in broken), result.stdout

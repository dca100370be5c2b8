"""Instructions per issued label (valgrind's callgrind), which a busy machine does not move:
today's ``/V/`` form against the GS1 Digital Link form (issue 14's goal: GS1 within 20 %).

    .venv/bin/python bench/bench_issue_callgrind.py [TREE ...]

For each TREE (default: this one) and form, runs ``bench_issue.py --worker N`` (plan, sign,
record, QR, A4 PDF, commit on a fresh SQLite file) under ``valgrind --tool=callgrind`` for
two sizes, and prints the difference per label: start-up (imports, migrations, fonts) cancels
out. The baseline is today's form in the same tree; the ratio printed is OCOP/GS1
instructions, comparable with the wall-clock GS1/OCOP speed ratio of ``bench_issue.py
--forms``. Takes several minutes a tree (two runs at a time).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SMALL, LARGE = 100, 600
_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(tree: Path, form: str, count: int) -> int:
    """Return the instructions of one worker run of ``count`` labels of ``form`` in ``tree``."""
    python = tree / ".venv" / "bin" / "python"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        str(python if python.exists() else sys.executable),
        str(tree / "bench" / "bench_issue.py"),
        "--worker",
        str(count),
        "--form",
        form,
    ]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total for {tree} {form} {count}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_label(tree: Path, form: str) -> float:
    """Return the instructions per label of ``form`` in ``tree`` (two sizes, their difference)."""
    with ThreadPoolExecutor(2) as pool:
        small, large = pool.map(lambda n: instructions(tree, form, n), (SMALL, LARGE))
    return (large - small) / (LARGE - SMALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[Path(__file__).resolve().parents[1]])
    args = parser.parse_args()
    for tree in args.trees:
        ocop, gs1 = per_label(tree, "ocop"), per_label(tree, "gs1")
        print(
            f"{tree}: OCOP /V/ {ocop / 1000:,.0f}k instructions a label (baseline) · "
            f"GS1 DL {gs1 / 1000:,.0f}k ({gs1 / ocop:.2f}x) · OCOP/GS1 {ocop / gs1:.2f} (goal >= 0.80)"
        )


if __name__ == "__main__":
    main()

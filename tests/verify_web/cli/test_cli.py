"""The ``ocop`` command as a user runs it: clear one-line errors, non-zero exits, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OCOP = [sys.executable, "-m", "verify_web.cli"]


def run(args, env, tmp_path, stdin=None):
    full_env = (
        {k: v for k, v in os.environ.items() if not k.startswith("OCOP_")}
        | {
            "OCOP_INSTANCE": str(tmp_path / "cli-instance"),
            "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        }
        | env
    )
    return subprocess.run(OCOP + args, env=full_env, capture_output=True, text=True, input=stdin, timeout=60)


@pytest.fixture
def cli_env(db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "OCOP_KEY_PASSPHRASE": "cli test passphrase only"}
    result = run(["keys", "generate"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return env


def assert_clean_error(result, needle):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert needle in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("env", "args", "needle"),
    [
        ({"DATABASE_URL": "oracle://x"}, ["db", "current"], "DATABASE_URL"),
        ({"OCOP_BASE_URL": "gopher://x"}, ["db", "current"], "OCOP_BASE_URL"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, ["db", "upgrade"], "database"),
        ({}, ["keys", "generate"], "passphrase"),
        ({"OCOP_KEY_PASSPHRASE": "short"}, ["keys", "generate"], "too short"),
        ({}, ["no-such-command"], "No such command"),
    ],
)
def test_bad_environment_and_arguments(tmp_path, env, args, needle):
    assert_clean_error(run(args, env, tmp_path), needle)


def test_wrong_passphrase_is_refused_at_start(cli_env, tmp_path):
    result = run(["demo"], cli_env | {"OCOP_KEY_PASSPHRASE": "a different passphrase"}, tmp_path)
    assert_clean_error(result, "wrong passphrase")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "registry",
                "certify",
                "--product",
                "1",
                "--stars",
                "7",
                "--number",
                "x",
                "--issued-on",
                "2025-01-01",
            ],
            "--stars",
        ),
        (
            [
                "registry",
                "certify",
                "--product",
                "1",
                "--stars",
                "4",
                "--number",
                "x",
                "--issued-on",
                "01/02/2025",
            ],
            "YYYY-MM-DD",
        ),
        (
            [
                "registry",
                "certify",
                "--product",
                "999",
                "--stars",
                "4",
                "--number",
                "x",
                "--issued-on",
                "2025-01-01",
            ],
            "not found",
        ),
        (
            [
                "registry",
                "add-producer",
                "--name",
                "X",
                "--kind",
                "alien",
                "--commune",
                "c",
                "--province",
                "p",
            ],
            "--kind",
        ),
        (["registry", "add-product", "--producer", "0", "--name", "X", "--group", "food"], "--producer"),
        (["keys", "retire", "ffffffff"], "no signing key"),
        (["keys", "compromise", "ffffffff", "--yes"], "no signing key"),
    ],
)
def test_bad_command_input_changes_nothing(cli_env, tmp_path, args, needle):
    assert run(["db", "upgrade"], cli_env, tmp_path).returncode == 0
    before = run(["registry", "add-producer", "--help"], cli_env, tmp_path)
    assert before.returncode == 0
    assert_clean_error(run(args, cli_env, tmp_path), needle)


def test_registry_to_demo_to_verify(cli_env, tmp_path):
    assert run(["db", "upgrade"], cli_env, tmp_path).returncode == 0
    demo = run(["demo"], cli_env, tmp_path)
    assert demo.returncode == 0, demo.stderr
    urls = dict(line.split() for line in demo.stdout.splitlines() if line.strip())
    assert set(urls) == {"genuine", "expired", "revoked", "gs1"}
    again = run(["demo"], cli_env, tmp_path)
    assert dict(line.split() for line in again.stdout.splitlines() if line.strip()) == urls  # idempotent
    for kind, url in urls.items():
        status = "genuine" if kind == "gs1" else kind
        result = run(["verify", url], cli_env, tmp_path)
        assert json.loads(result.stdout)["status"] == status
        assert result.returncode == (0 if status == "genuine" else 1)
    # The GS1 Digital Link label (issue 14): genuine offline too; a changed lot is invalid.
    assert "/01/08938600000026/10/MV-2026-10/21/" in urls["gs1"]
    offline = json.loads(run(["verify", "--offline", urls["gs1"]], cli_env, tmp_path).stdout)
    assert (offline["status"], offline["warnings"]) == ("genuine", ["offline"])
    forged_lot = urls["gs1"].replace("/10/MV-2026-10", "/10/MV-2026-11")
    changed = run(["verify", "--offline", forged_lot], cli_env, tmp_path)
    assert json.loads(changed.stdout)["status"] == "invalid"
    forged = urls["genuine"][:-3] + "000"
    result = run(["verify", forged], cli_env, tmp_path)
    assert json.loads(result.stdout)["status"] == "invalid" and result.returncode == 1
    # A genuine code under a look-alike host is never a plain "genuine" (exit status 1).
    lookalike = "https://xacthuc-ocop.vn/V/" + urls["genuine"].rsplit("/", 1)[1]
    result = run(["verify", lookalike], cli_env, tmp_path)
    body = json.loads(result.stdout)
    assert (body["status"], body["foreign_domain"], result.returncode) == ("genuine", True, 1)
    assert body["scanned_base_url"] == "https://xacthuc-ocop.vn"
    assert body["genuine_address"].startswith("http")
    assert body["serial"].isdigit() and body["short_code"].count("-") == 2


def test_key_lifecycle_from_the_cli(cli_env, tmp_path):
    assert run(["db", "upgrade"], cli_env, tmp_path).returncode == 0
    urls = dict(line.split() for line in run(["demo"], cli_env, tmp_path).stdout.splitlines() if line.strip())
    first = json.loads(run(["keys", "jwks"], cli_env, tmp_path).stdout)["keys"][0]["kid"]
    assert run(["keys", "rotate"], cli_env, tmp_path).returncode == 0
    listing = run(["keys", "list"], cli_env, tmp_path).stdout
    assert f"{first}  retired" in listing and "active" in listing
    assert json.loads(run(["verify", urls["genuine"]], cli_env, tmp_path).stdout)["status"] == "genuine"
    result = run(["keys", "compromise", first, "--yes", "--note", "leaked"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(run(["verify", urls["genuine"]], cli_env, tmp_path).stdout)
    assert (verdict["status"], verdict["reason"]) == ("revoked", "key_compromised")
    offline = json.loads(run(["verify", "--offline", urls["genuine"]], cli_env, tmp_path).stdout)
    assert offline["status"] == "revoked"
    assert_clean_error(run(["keys", "compromise", first, "--yes"], cli_env, tmp_path), "already")


def test_demo_accounts_are_random_private_and_stable(cli_env, tmp_path):
    assert run(["db", "upgrade"], cli_env, tmp_path).returncode == 0
    accounts = tmp_path / "accounts.txt"
    first = run(["demo", "--accounts-file", str(accounts)], cli_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert oct(accounts.stat().st_mode & 0o777) == "0o600"
    lines = accounts.read_text().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["admin", "admin"],
        ["inspector", "thanhtra"],
        ["producer", "dongcao"],
    ]
    passwords = {line.split()[2] for line in lines}
    assert len(passwords) == 3 and all(len(p) >= 12 for p in passwords)
    again = run(["demo", "--accounts-file", str(accounts)], cli_env, tmp_path)
    assert again.stdout == first.stdout


def test_demo_accounts_file_problems_are_clear_and_change_nothing(cli_env, tmp_path):
    assert run(["db", "upgrade"], cli_env, tmp_path).returncode == 0
    bad = run(["demo", "--accounts-file", str(tmp_path / "no" / "such" / "dir.txt")], cli_env, tmp_path)
    assert_clean_error(bad, "cannot write")
    stale = tmp_path / "stale.txt"
    stale.write_text("admin      admin     old-password\n")
    fresh = run(["demo", "--accounts-file", str(stale)], cli_env, tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert "old-password" not in fresh.stdout and "old-password" not in stale.read_text()
    assert len(stale.read_text().splitlines()) == 3

"""Owner-only files (issue 13): what ``make run`` sets up is 0600/0700, and anything found wider
when the app starts is narrowed with a one-line warning."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from tests.support.constants import TEST_SECRET
from verify_web import create_app, devserver
from verify_web.errors import ConfigError

SETTINGS = (
    "DATABASE_URL",
    "OCOP_SECRET_KEY",
    "OCOP_SECRET_KEY_FILE",
    "OCOP_KEY_PASSPHRASE",
    "OCOP_KEY_PASSPHRASE_FILE",
    "OCOP_KEYS_DIR",
    "OCOP_UPLOAD_DIR",
    "OCOP_BASE_URL",
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_make_run_setup_is_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:  # set, then delete: monkeypatch puts back whatever the setup writes
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    instance = tmp_path / "office"
    monkeypatch.setenv("OCOP_INSTANCE", str(instance))
    monkeypatch.setenv("OCOP_BASE_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("OCOP_SECRET_KEY_FILE", "")  # replaced by the setup's own file
    monkeypatch.delenv("OCOP_SECRET_KEY_FILE")
    assert devserver.prepare("8000") == 0
    create_app()  # what each gunicorn worker does next
    folders = [instance, instance / "keys", instance / "uploads"]
    files = [
        instance / "ocop.db",
        instance / "secret_key",
        instance / "key_passphrase",
        instance / "demo-accounts.txt",
        *(instance / "keys").glob("*.key"),
        *instance.glob("ocop.db-*"),
    ]
    assert (instance / "ocop.db").stat().st_size > 0 and list((instance / "keys").glob("*.key"))
    assert {str(p): mode(p) for p in folders} == {str(p): 0o700 for p in folders}
    assert {str(p): mode(p) for p in files} == {str(p): 0o600 for p in files}


def test_wider_modes_are_narrowed_at_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    instance = tmp_path / "office"
    (instance / "uploads").mkdir(parents=True, mode=0o755)
    (instance / "uploads").chmod(0o755)
    instance.chmod(0o755)
    database = instance / "ocop.db"
    database.touch()
    database.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        create_app({"SECRET_KEY": TEST_SECRET, "OCOP_INSTANCE": str(instance)})
    assert mode(instance) == 0o700 and mode(instance / "uploads") == 0o700
    assert mode(database) == 0o600 and mode(instance / "keys") == 0o700
    warned = [r.getMessage() for r in caplog.records if "owner-only" in r.getMessage()]
    assert len(warned) == 3 and all("\n" not in line for line in warned)
    assert any(str(database) in line for line in warned)


def test_a_folder_that_is_not_the_services_own_keeps_its_mode(tmp_path: Path) -> None:
    """A database in a folder that other things share: the folder is not narrowed (it was:
    ``sqlite:////tmp/x.db`` made /tmp 0700), the database file is."""
    shared = tmp_path / "var-lib"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    instance = tmp_path / "office"
    create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "OCOP_INSTANCE": str(instance),
            "DATABASE_URL": f"sqlite:///{shared}/ocop.db",
        }
    )
    assert mode(shared) == 0o755 and mode(shared / "ocop.db") == 0o600 and mode(instance) == 0o700


def test_a_database_in_a_folder_every_user_may_write_is_refused(tmp_path: Path) -> None:
    world = tmp_path / "tmp"
    world.mkdir()
    world.chmod(0o1777)
    with pytest.raises(ConfigError, match="writable by every user; put the SQLite database"):
        create_app(
            {
                "SECRET_KEY": TEST_SECRET,
                "OCOP_INSTANCE": str(tmp_path / "o"),
                "DATABASE_URL": f"sqlite:///{world}/x.db",
            }
        )
    assert mode(world) == 0o1777 and not (world / "x.db").exists()

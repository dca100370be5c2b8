"""``ocop keys migrate``: legacy PKCS#8 key files become Argon2id key files in one command."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from tests.keys.test_keyfile import _legacy_store
from tests.support.constants import PASSPHRASE
from verify_web.core.services import services


def test_keys_migrate(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder = Path(app.config["OCOP_KEYS_DIR"])
    shutil.rmtree(folder)
    _store, kids = _legacy_store(folder, passphrase=PASSPHRASE.encode())
    wrong = runner.invoke(args=["keys", "migrate"], env={"OCOP_KEY_PASSPHRASE": "not the right one at all"})
    assert wrong.exit_code == 1 and "wrong passphrase" in wrong.output and "Traceback" not in wrong.output
    assert sorted(p.suffix for p in folder.glob("*.pem")) == [".pem", ".pem"]
    done = runner.invoke(args=["keys", "migrate"])
    assert done.exit_code == 0, done.output
    assert all(f"Key {kid}: rewritten" in done.output for kid in kids)
    assert not list(folder.glob("*.pem")) and len(list(folder.glob("*.key"))) == 2
    again = runner.invoke(args=["keys", "migrate"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert services(app).keystore.signer(PASSPHRASE.encode()).kid == kids[-1]

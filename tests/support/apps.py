"""Building the app for a test: a fresh database, its own copy of a signing key store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.constants import BASE_URL, PASSPHRASE, TEST_SECRET
from verify_web import create_app
from verify_web.core.services import services


def make_app(
    db_url: str, home: Path, key_template: Path, monkeypatch: pytest.MonkeyPatch, **extra: Any
) -> Flask:
    """Return the app on ``db_url`` with its instance and a copy of ``key_template`` under
    ``home``; ``extra`` settings go to ``create_app`` too (e.g. ``OCOP_CLOCK``)."""
    shutil.copytree(key_template, home / "keys")
    monkeypatch.setenv("OCOP_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("OCOP_KEY_PASSPHRASE_FILE", raising=False)
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": TEST_SECRET,
            "OCOP_BASE_URL": BASE_URL,
            "OCOP_INSTANCE": str(home / "instance"),
            "OCOP_KEYS_DIR": str(home / "keys"),
            **extra,
        }
    )


def close_app(app: Flask) -> None:
    """Write what ``app``'s scan writer holds, stop its thread and close its connections,
    while its database is still there: a writer left behind retries on a deleted file for
    the rest of the run, counting database errors another test reads."""
    writer = services(app).scan_writer
    if writer is not None:  # None: the app recorded no scan
        writer.close()
    services(app).engine.dispose()

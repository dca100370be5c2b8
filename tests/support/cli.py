"""Helpers for the tests of the ``ocop`` commands: running one, counting what it recorded, and
checking that what it wrote verifies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.constants import BASE_URL
from tests.support.factories import World
from traceability.models import AuditEntry, Label
from usecases.verify import Status, verify_scan
from verify_web.core.services import services


def run(runner: FlaskCliRunner, *args: object) -> tuple[int, str]:
    """Run ``ocop ARGS`` and return (exit code, everything it printed)."""
    result = runner.invoke(args=[str(a) for a in args])
    return result.exit_code, result.output


def run_issue(runner: FlaskCliRunner, world: World, *args: object) -> tuple[int, str]:
    """Run ``ocop issue`` for the world's product and lot with the given further arguments."""
    return run(runner, "issue", "--product", world.product.id, "--lot", world.lot.code, *args)


def label_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Label)) or 0)


def audit_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def assert_genuine(app: Flask, session: Session, texts: list[str]) -> None:
    """Every text verifies as genuine through the one verification function."""
    keyring = services(app).keystore.keyring()
    for text in texts:
        verdict = verify_scan(
            text, keyring=keyring, today=date.today(), session=session, our_base_url=BASE_URL
        )
        assert verdict.status is Status.GENUINE, (text, verdict.reason)


def no_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())

"""One calendar: at 23:30 UTC it is already the next morning in Việt Nam, and issuing (from the
browser and ``ocop issue``) and verifying agree on which day it is. The clock is injected into
``create_app`` (``OCOP_CLOCK``); nothing of ours is mocked."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.support.apps import close_app, make_app
from tests.support.constants import BASE_URL
from tests.support.factories import make_world
from tests.verify_web.staff import login, make_user
from verify_web.core import clock
from verify_web.core.services import services

FROZEN = datetime(2030, 3, 9, 23, 30, tzinfo=UTC)  # 06:30 on 10 March in Việt Nam (UTC+7)
VIETNAM_DAY = date(2030, 3, 10)


@pytest.fixture
def frozen_app(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_template: Path
) -> Iterator[Flask]:
    app = make_app(db_url, tmp_path / "frozen", key_template, monkeypatch, OCOP_CLOCK=lambda: FROZEN)
    yield app
    close_app(app)


def test_today_is_the_vietnamese_day(frozen_app: Flask) -> None:
    with frozen_app.app_context():
        assert FROZEN.date() == date(2030, 3, 9)
        assert clock.today() == VIETNAM_DAY


def test_a_certificate_starting_today_in_vietnam_issues_and_verifies_genuine(
    frozen_app: Flask, tmp_path: Path
) -> None:
    """The certificate starts on 10 March: on the machine's UTC calendar it would not be in force
    yet (9 March), so issuing and verifying would disagree for seven hours."""
    with Session(services(frozen_app).engine, expire_on_commit=False) as session:
        world = make_world(session, issued_on=VIETNAM_DAY)
        make_user(session, "boss", "admin")
        session.commit()
    client = frozen_app.test_client()
    token = login(client, "boss")
    form = {"product": str(world.product.id), "lot": world.lot.code, "count": "2", "format": "csv"}
    result = client.post("/admin/labels/issue", data=form | {"csrf_token": token})
    page = result.get_data(as_text=True)
    assert result.status_code == 200, page[:800]
    link = re.search(r'id="download" href="([^"]+)"', page)
    assert link, page[:800]
    table = list(csv.DictReader(io.StringIO(client.get(link.group(1)).get_data(as_text=True))))
    assert len(table) == 2

    out = tmp_path / "cli.csv"
    args = ["issue", "--product", str(world.product.id), "--lot", world.lot.code, "--count", "1"]
    issued = frozen_app.test_cli_runner().invoke(args=[*args, "--out", str(out)])
    assert issued.exit_code == 0, issued.output
    cli_rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(cli_rows) == 1

    for row in table + cli_rows:
        path = row["qr_text"].removeprefix(BASE_URL)
        answer = client.get(path)
        assert answer.status_code == 200
        assert 'data-status="genuine"' in answer.get_data(as_text=True)

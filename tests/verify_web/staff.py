"""Helpers for staff-page tests: accounts made through the real service, sign-in through the
real form, and Scan/Report rows inserted directly (issue 4 owns the code that writes them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import World, issue, make_world
from traceability.models import AuditEntry, Label, Report, Revocation, Scan
from traceability.services import revocations, users

PASSWORD = "correct horse battery staple"


def make_user(session: Session, username: str, role: str, producer_id: int | None = None) -> int:
    user = users.create_user(
        session, actor="test", username=username, password=PASSWORD, role=role, producer_id=producer_id
    )
    session.commit()
    return user.id


def csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return a CSRF token valid for the new session."""
    token = csrf(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf(client, "/account/password")


def add_scan(
    session: Session,
    label: Label | None,
    *,
    verdict: str = "genuine",
    area: str | None = "Hà Nội",
    source: str = "s1",
    at: datetime | None = None,
) -> None:
    session.add(
        Scan(
            at=at or datetime.now(UTC),
            serial=label.serial if label else None,
            label_id=label.id if label else None,
            verdict=verdict,
            channel="web",
            area=area,
            device="android",
            source_hash=source,
        )
    )
    session.commit()


def add_report(session: Session, label: Label | None, **fields: object) -> int:
    report = Report(
        serial=label.serial if label else None, label_id=label.id if label else None, status="new", **fields
    )
    session.add(report)
    session.commit()
    return report.id


def counts(session: Session) -> tuple[int, int, int, int]:
    """(audit entries, revocations, revoked labels, reports not new) — to prove nothing changed."""
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        session.scalar(select(func.count()).select_from(Revocation)) or 0,
        session.scalar(select(func.count()).select_from(Label).where(Label.status == "revoked")) or 0,
        session.scalar(select(func.count()).select_from(Report).where(Report.status != "new")) or 0,
    )


@dataclass
class Office:
    """What :func:`make_office` made; ``morning_local`` is how pages must show the 08:04 UTC scan."""

    world: World
    labels: list[Label]
    morning_local: str


def make_office(session: Session, signer: PrivateKey) -> Office:
    """A registry as an office sees it: 5 labels (4 and 5 revoked as damaged), a label scanned
    from four provinces, one scanned yesterday at 08:04 UTC (15:04 in Việt Nam), a forged-code
    scan, a report on our label with a contact and one with a forged code, and the accounts
    ``chanh`` (admin), ``kiem`` (inspector) and ``dongcao`` (the producer)."""
    world = make_world(session, name="Mật ong bạc hà")
    labels = issue(session, world, signer, 5)
    session.commit()
    morning = datetime.now(UTC).replace(hour=8, minute=4, second=0, microsecond=0) - timedelta(days=1)
    # Located checks store province codes: Hà Nội, Huế, Đà Nẵng, Cần Thơ.
    for i, area in enumerate(["1", "46", "48", "92"]):
        add_scan(session, labels[0], area=area, source=f"s{i}", at=datetime.now(UTC) - timedelta(hours=i))
    add_scan(session, labels[1], at=morning)
    add_scan(session, None, verdict="invalid", area=None)
    add_report(session, labels[0], shop="Chợ Đồng Xuân", province="Hà Nội", contact="0912 345 678")
    add_report(session, None, shop="Chợ Hôm", province="Hà Nội", code_text="giả")
    revocations.revoke(
        session,
        actor="test",
        target="range",
        ref={"lot_id": world.lot.id, "first": 4, "last": 5},
        reason="damaged_or_lost",
    )
    session.commit()
    make_user(session, "chanh", "admin")
    make_user(session, "kiem", "inspector")
    make_user(session, "dongcao", "producer", world.product.producer_id)
    return Office(world, labels, f"15:04, {(morning + timedelta(hours=7)).strftime('%d/%m/%Y')}")

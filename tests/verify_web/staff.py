"""Helpers for staff-page tests: accounts made through the real service, sign-in through the
real form, and Scan/Report rows inserted directly (issue 4 owns the code that writes them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.models import AuditEntry, Label, Report, Revocation, Scan
from traceability.services import users

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

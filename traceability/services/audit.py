"""The audit trail: every service that changes the registry calls :func:`record`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import AuditEntry
from . import registry_version


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    summary: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (written with the change it describes) and return it;
    the transaction's commit raises the registry version (:mod:`.registry_version`)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        summary=summary,
        detail=detail or {},
    )
    session.add(entry)
    registry_version.changed(session)
    return entry


def search(
    session: Session,
    *,
    text: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEntry]:
    """Return matching audit entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                AuditEntry.summary.ilike(pattern),
                AuditEntry.actor.ilike(pattern),
                AuditEntry.action.ilike(pattern),
            )
        )
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    return session.scalars(query).all()

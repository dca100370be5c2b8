"""What happens after printing: audit trail, scans, shoppers' reports and user accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AuditEntry(Base):
    """Append-only record of every change. The database refuses UPDATE and DELETE on it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RegistryState(Base):
    """One row: the registry's version, raised by one at the commit of every transaction that
    wrote an audit entry, under this row's lock (see
    :mod:`traceability.services.registry_version`)."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class Scan(Base):
    """One human verification. Never the raw IP: ``source_hash`` is a keyed, rotating hash."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_serial_at", "serial", "at"),
        Index("ix_scans_label_at", "label_id", "at"),  # the scan page's history (revision 0003)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    serial: Mapped[int | None] = mapped_column(BigInteger)
    # Looked up through ix_scans_label_at (label, time); a label-only index would only cost
    # every insert (dropped in revision 0004).
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # web, api, short
    # The province code of a located check (traceability.services.clones): established by the
    # server from the phone's own location, the only area clone signals use.
    area: Mapped[str | None] = mapped_column(String(100))
    # What an API caller said the area was: stored as a claim, never fed to a signal.
    claimed_area: Mapped[str | None] = mapped_column(String(100))
    device: Mapped[str | None] = mapped_column(String(40))
    source_hash: Mapped[str | None] = mapped_column(String(32))


class Report(Base):
    """A shopper's report of a suspected fake."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    code_text: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[int | None] = mapped_column(BigInteger, index=True)
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"))
    shop: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    photo_path: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    case_ref: Mapped[str | None] = mapped_column(String(100))
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None]
    # The key an offline client sent with it (docs/revocation-list.md §11), so a replay is
    # never stored twice (revision 0010).
    idempotency_key: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)


class User(Base):
    """A person who signs in: admin (coordination office), inspector, or producer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so the
    table does not hand out live sessions. Deleting the row ends every copy of the cookie."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RateHit(Base):
    """Requests counted per key and fixed time window, shared by every web worker."""

    __tablename__ = "rate_hits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(default=0)

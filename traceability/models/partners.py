"""Partners that add events to a producer's lots through EPCIS capture (revision 0010_epcis)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .registry import Producer


class Partner(Base):
    """A packer or distributor holding one API token for one producer's lots and labels.

    Only the token's SHA-256 is kept (the token is 256 random bits, so a plain hash is enough
    and lets a request be matched with one indexed read); the token itself is shown once, when
    the partner is added. Revoking sets ``revoked_at``; the row stays for the audit trail.
    """

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so staff can tell tokens apart without holding them.
    token_hint: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))

    producer: Mapped[Producer] = relationship()

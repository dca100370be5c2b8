"""Issued labels and revocations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import RecordStatus, RevocationReason, RevocationTarget
from .base import Base, str_enum, utcnow
from .registry import Certification, Lot


class Label(Base):
    """One printed label. ``serial`` is the random 60-bit id inside the signed code; ``number``
    is its place in the lot (1, 2, …), used for print runs and serial ranges."""

    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("lot_id", "number", name="uq_labels_lot_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("serial >= 0", name="serial_nonnegative"),
        Index("ix_labels_revocation", "revocation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger, unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    number: Mapped[int]
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(8), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, "record_status"), default=RecordStatus.ACTIVE
    )
    revocation_id: Mapped[int | None] = mapped_column(ForeignKey("revocations.id"))
    # Scratch-off secret: only a salted hash is stored (see labels issuance).
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    claim_attempts: Mapped[int] = mapped_column(default=0)
    # Kept by traceability.services.scans.record_scan so the history is read in constant time.
    scan_count: Mapped[int] = mapped_column(default=0, server_default="0")
    first_scanned_at: Mapped[datetime | None]
    first_scan_area: Mapped[str | None] = mapped_column(String(100))
    # The recent-scan summary behind the clone signals (revision 0004): distinct sources and
    # areas of the latest scans in the clone window, and the oldest scan they come from.
    recent_sources: Mapped[list[str] | None] = mapped_column(JSON)
    recent_areas: Mapped[list[str] | None] = mapped_column(JSON)
    recent_oldest: Mapped[datetime | None]
    # The clone signal from located checks, kept once it fires (traceability.services.clones,
    # revision 0005_clone): its name, when, and the checks that show it.
    clone_signal: Mapped[str | None] = mapped_column(String(30))
    clone_signal_at: Mapped[datetime | None]
    clone_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # An inspector's review of the clone signals (revision 0010_review): "cleared" (a false
    # alarm: only checks after clone_reviewed_at count from then on) or "confirmed" (a copy).
    clone_review: Mapped[str | None] = mapped_column(String(10))
    clone_reviewed_at: Mapped[datetime | None]
    # The source (rotating hash) of the first claim: the same network claiming again is the
    # buyer re-checking their own code, not a second claim (traceability.services.claims).
    claim_source: Mapped[str | None] = mapped_column(String(32))
    # HMAC of the issued code under the key store's digest key (labels.signer.code_digest,
    # revision 0007): the verifier recognises the code without an Ed25519 verify. NULL for
    # labels issued before, which are verified by their signature.
    code_digest: Mapped[bytes | None] = mapped_column(LargeBinary(16))

    lot: Mapped[Lot] = relationship()
    certification: Mapped[Certification] = relationship()
    revocation: Mapped[Revocation | None] = relationship()


class Revocation(Base):
    """A decision to revoke labels: what, why, who, when. Reinstating keeps the row."""

    __tablename__ = "revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[RevocationTarget] = mapped_column(str_enum(RevocationTarget, "revocation_target"))
    # What was hit, readable: a serial, "lot 7 #10-20", a product id, a key id …
    target_ref: Mapped[str] = mapped_column(String(200))
    reason: Mapped[RevocationReason] = mapped_column(str_enum(RevocationReason, "revocation_reason"))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    label_count: Mapped[int] = mapped_column(default=0)
    reinstated_at: Mapped[datetime | None]
    reinstated_by: Mapped[str | None] = mapped_column(String(100))
    reinstated_note: Mapped[str | None] = mapped_column(Text)
    # What was hit, as data (revision 0010): {"serial"}, {"lot_id", "first", "last"},
    # {"lot_id"}, {"product_id"}, {"producer_id"} or {"kid"}: the offline list's entry.
    target_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The revocation list versions at which it entered and left the list
    # (traceability.services.revocation_feed); NULL: not yet left.
    listed_version: Mapped[int | None] = mapped_column(BigInteger, index=True)
    unlisted_version: Mapped[int | None] = mapped_column(BigInteger, index=True)


class RevocationListState(Base):
    """One row: the revocation list's current version, raised with every revocation and
    reinstatement under this row's lock, so versions follow commit order on every host."""

    __tablename__ = "revocation_list_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    # The version the last restore from a backup set (0: never restored); deltas start there.
    rebased: Mapped[int] = mapped_column(BigInteger, server_default="0")

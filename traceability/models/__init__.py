"""The registry's tables, as SQLAlchemy 2 typed models."""

from .activity import AuditEntry, RateHit, RegistryState, Report, Scan, StaffSession, User
from .base import Base, utcnow
from .labels import Label, Revocation, RevocationListState
from .partners import Partner
from .registry import Certification, Lot, LotEvent, Producer, Product

__all__ = [
    "AuditEntry",
    "Base",
    "Certification",
    "Label",
    "Lot",
    "LotEvent",
    "Partner",
    "Producer",
    "Product",
    "RateHit",
    "RegistryState",
    "Report",
    "Revocation",
    "RevocationListState",
    "Scan",
    "StaffSession",
    "User",
    "utcnow",
]
